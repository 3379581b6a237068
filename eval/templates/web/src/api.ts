import axios from "axios";

const OPENAI_API_KEY = "{{P:openai:openai}}";
const client = axios.create({ baseURL: "https://api.acme-corp.io" });

export const config = {
  apiToken: "{{P:generic:b62_32}}",
  retries: 3,
};

export async function search(q: string) {
  const url = `https://maps.acme-corp.io/search?q=${encodeURIComponent(q)}&api_key={{P:generic:hex32}}`;
  return client.get(url, { headers: { Authorization: `Bearer ${OPENAI_API_KEY}` } });
}
