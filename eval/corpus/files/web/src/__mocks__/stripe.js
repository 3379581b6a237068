// jest mock of the Stripe client; the docs' published test key, not a credential.
module.exports = {
  apiKey: "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
  charges: { create: jest.fn() },
};
