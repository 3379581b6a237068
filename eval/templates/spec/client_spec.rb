require "spec_helper"

RSpec.describe Client do
  let(:api_token) { "test-token" }
  let(:password) { "{{N:generic:placeholder_changeme}}" }
  let(:aws_key) { "{{N:aws:aws_docs_id}}" }

  it "signs requests" do
    expect(described_class.new(token: api_token).sign("x")).to eq("{{N:generic:sha256}}")
  end
end
