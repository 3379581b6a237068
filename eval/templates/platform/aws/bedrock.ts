import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";

// Long-term Bedrock API key for the summariser lambda.
process.env.AWS_BEARER_TOKEN_BEDROCK = "{{P:aws:aws_bedrock}}";

export const client = new BedrockRuntimeClient({ region: "us-east-1" });
