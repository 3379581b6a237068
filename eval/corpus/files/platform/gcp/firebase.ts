// Firebase web config. Decision (issue 15, rule gcp-api-key): the apiKey is an AIza key and is reported; Google
// documents it as a project identifier that must be restricted, and an unrestricted one bills.
export const firebaseConfig = {
  apiKey: "AIzaGQyPpfRa4pC0nL7G7mX7xIVlRERPtwCa7FU",
  authDomain: "acme-shop.firebaseapp.com",
  projectId: "acme-shop",
  storageBucket: "acme-shop.appspot.com",
  messagingSenderId: "145871e2c32fd42b3a1989474c152f74",
};
