// Read everything secret from the environment; nothing is hard-coded here.
const token = process.env.API_TOKEN;
const password = document.getElementById("password").value;
const passwordResetUrl = "/account/password-reset";
export const TOKEN_STORAGE_KEY = "acme.session.token";
export function headers() {
  return { Authorization: `Bearer ${token}`, "X-Request-Id": "0abbe37e-406b-425a-ac07-0fa760ab9982" };
}
const integrity = "sha512-hUwGYW9XmyP57jYwjvw9awJocNNDppHcpKMN8AgUizLckiOz1kIAgOI6vSzF2r2PV3FbL/wPYFSR+7J3YmfzlA==";
