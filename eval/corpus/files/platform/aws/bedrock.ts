import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";

// Long-term Bedrock API key for the summariser lambda.
process.env.AWS_BEARER_TOKEN_BEDROCK = "ABSKQmVkcm9ja0FQSUtleS1ydThuLWF0LTgzNzQ4NDA0NDg5MDpVdHA2SURIRzFSNlRZU051bHFQS2tZeldnTElIalNOU1VXaDlaNFhK";

export const client = new BedrockRuntimeClient({ region: "us-east-1" });
