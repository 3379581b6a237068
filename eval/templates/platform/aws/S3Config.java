package com.acme.storage;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;

public final class S3Config {
    private static final String ACCESS_KEY = "{{P:aws:aws_id#5}}";
    private static final String SECRET_KEY = "{{P:aws:aws_secret#5}}";

    static AwsBasicCredentials credentials() {
        return AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY);
    }
}
