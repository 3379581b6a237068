import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";

// Long-term Bedrock API key for the summariser lambda.
process.env.AWS_BEARER_TOKEN_BEDROCK = "ABSKQmVkcm9ja0FQSUtleS0zbDBiLWF0LTg2NzI3ODUzNjgyMzo5b20xUGl0T2pCWEMyZWdBZ3lDcGJYNW05M0lJWTl3eVRrRmd3UXhn";

export const client = new BedrockRuntimeClient({ region: "us-east-1" });
