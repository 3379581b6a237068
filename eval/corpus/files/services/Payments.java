package com.acme.payments;

public final class Payments {
    private static final String API_KEY = "8NlVzdVm0WZ7NsJLuxNcJO7Iyb1UnkZu";
    private static final String DB_PASSWORD = "5dUjMB-2lcFg+v";
    private final String endpoint = "https://pay.acme-corp.io";

    public String authHeader() {
        return "Bearer " + API_KEY;
    }
}
