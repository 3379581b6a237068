// Firebase web config. Decision (issue 15, rule gcp-api-key): the apiKey is an AIza key and is reported; Google
// documents it as a project identifier that must be restricted, and an unrestricted one bills.
export const firebaseConfig = {
  apiKey: "{{P:gcp:gcp_api_key}}",
  authDomain: "acme-shop.firebaseapp.com",
  projectId: "acme-shop",
  storageBucket: "acme-shop.appspot.com",
  messagingSenderId: "{{V:hex32}}",
};
