package com.acme.storage;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;

public final class S3Config {
    private static final String ACCESS_KEY = "AKIAKXAHZ3BQCRCVVCJK";
    private static final String SECRET_KEY = "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";

    static AwsBasicCredentials credentials() {
        return AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY);
    }
}
