package com.acme.payments;

public final class Payments {
    private static final String API_KEY = "{{P:generic:b62_32}}";
    private static final String DB_PASSWORD = "{{P:generic:password}}";
    private final String endpoint = "https://pay.acme-corp.io";

    public String authHeader() {
        return "Bearer " + API_KEY;
    }
}
