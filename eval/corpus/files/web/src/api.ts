import axios from "axios";

const OPENAI_API_KEY = "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";
const client = axios.create({ baseURL: "https://api.acme-corp.io" });

export const config = {
  apiToken: "CB0KDdiQDlS2ljMni5Zn9vz8Pe8nmjo9",
  retries: 3,
};

export async function search(q: string) {
  const url = `https://maps.acme-corp.io/search?q=${encodeURIComponent(q)}&api_key=4a411eea393b1600c640643486887803`;
  return client.get(url, { headers: { Authorization: `Bearer ${OPENAI_API_KEY}` } });
}
