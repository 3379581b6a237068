// Read everything secret from the environment; nothing is hard-coded here.
const token = process.env.API_TOKEN;
const password = document.getElementById("password").value;
const passwordResetUrl = "/account/password-reset";
export const TOKEN_STORAGE_KEY = "acme.session.token";
export function headers() {
  return { Authorization: `Bearer ${token}`, "X-Request-Id": "{{N:generic:uuid}}" };
}
const integrity = "{{N:generic:sri}}";
