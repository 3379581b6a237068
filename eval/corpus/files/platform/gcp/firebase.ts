// Firebase web config. Decision (issue 15, rule gcp-api-key): the apiKey is an AIza key and is reported; Google
// documents it as a project identifier that must be restricted, and an unrestricted one bills.
export const firebaseConfig = {
  apiKey: "AIzaTy6-HBGKfgmOfb0TMixiK1uj75ZHF9fGtVj",
  authDomain: "acme-shop.firebaseapp.com",
  projectId: "acme-shop",
  storageBucket: "acme-shop.appspot.com",
  messagingSenderId: "d356804d8dc008918f9861930c70ce06",
};
