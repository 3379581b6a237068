// jest mock of the Stripe client; the docs' published test key, not a credential.
module.exports = {
  apiKey: "{{N:stripe:stripe_docs_test_key}}",
  charges: { create: jest.fn() },
};
