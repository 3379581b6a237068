package com.acme.auth;

final class TokenSigner {
    // Generated for the staging issuer; to be moved to KMS.
    private static final String SIGNING_KEY =
        {{P:private_key:pem_java_concat}}

    String sign(String payload) {
        return Jwts.builder().setPayload(payload).signWith(load(SIGNING_KEY)).compact();
    }
}
