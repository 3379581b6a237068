require "spec_helper"

RSpec.describe Client do
  let(:api_token) { "test-token" }
  let(:password) { "changeme" }
  let(:aws_key) { "AKIAIOSFODNN7EXAMPLE" }

  it "signs requests" do
    expect(described_class.new(token: api_token).sign("x")).to eq("d61c938e4a5305949729e64dc83c6fd3bb11be7a2314cd014b54d79f1853d981")
  end
end
