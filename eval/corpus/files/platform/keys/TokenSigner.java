package com.acme.auth;

final class TokenSigner {
    // Generated for the staging issuer; to be moved to KMS.
    private static final String SIGNING_KEY =
        "-----BEGIN PRIVATE KEY-----\n" +
        "MIIEwAIBAKiDbHCfH8fkruJxtwBkEGOfM6Hyt2PFsbrCPgBM3yU5dHjx73Mg1U8e\n" +
        "ofAUVk2h66bj0XeXM6BZbr94v9vOOJOT8HOIHROK71ZeLdd+UF5PQK+33j2+vbpZ\n" +
        "mUgIVFNAux8pB6TFwG7T72GDxIDr6bN5s+Rbh6F92XiZgJCCDu2lyxI+40FfBvZU\n" +
        "+Bt7fnx4A+lSSW+zcC2StDufCr1vw7KxYGbhmzztEXQ8kJGYcATboVFIoda5mdIS\n" +
        "r17/1beWhvu2Cv3zuba2QC3nq38RcwnMBEfI8sMjak3JX2dGEZNmxvKg0+jdf5Mu\n" +
        "VcMKkGuFjAcwg7NRJ4IWmfWkAm4hfwYilgOs65m55R5hZ2fyiZycJZt/0hrln9RS\n" +
        "L4P1Pg7+J39NDeAHZsFKaMZKQ7eeFdgJQo4P5oLZAHKFCDSiVoG9O7Qpmo8HAu3T\n" +
        "PnzNaLwyZgQGSVRcyodtihA+LzwufInjUeJfHW+AbMDJ6SqUVMEAH8+nlR/LvvMt\n" +
        "+pw5vGW4jPL0CnVTAsMljko7b0TCRVPUPTSQeOI1/Uq1N4tgq5R/VLDUltbvuBpp\n" +
        "MUNY7T1wRrldErN/18KxBVBBabamOWPj8uS6MXuuDCZyGXw8+A5jJ3F2CRCGpehT\n" +
        "NyhXIKziTW27XDEVabAAJywFj6pENiOo5vJbVSguF98oiy6UQxZyz229r3rEDK13\n" +
        "NoY5iv7oorOuTLGynhxiOzkMnhovHcvH6iVLqfu6w/nLVf0DLtbD/spl8SEgTLrM\n" +
        "pd4gX83rjlwwh8fnOsNrx3/ZOQpzTTxA/YTu1byIv1VagCHXd6kCgpCUTm9YsyNz\n" +
        "zb3yrDohCdjQINlCP/aU7F5oeaUrdlXbJm6b1jm1G+HwwldTC+bk5XhhqxbIBpQs\n" +
        "PePreDz39cu+XBPOxKsJOdKVx1uPWw4hXvkF2K4ADyUml6GKW0THktoZj4ZwDjyn\n" +
        "YAskbgZ23pmBUxUb++5jC/OUHWcCkIBKjSYmpP6AaO1+wkoVgeFfXb4tiqtE2nhW\n" +
        "78h9qyuBu9qrfNimPOoIWboogqLLQmO3OuRI4WwJmXSxmwesUcGrWSsO8/TbmOWZ\n" +
        "JnZnTDm2VdNCkNgHq+GeTWE7lnFmGaVm1mZfGArA9BY8W7lSZ+edXYxtoYKNXTqf\n" +
        "omAgl8DFIAh+ziZZ4tOHMdQDHx4TPdCiDVmWsNuYVmmcheUr2Qr5dGfanp8tEL02\n" +
        "Vv2A0OKD+6ZSUZzLuST8p15wRWj/qi29wxRPYSTEGMte9WsT0ryXfliFfkVDpgjR\n" +
        "AMepU8+ci19qMAt77AuKtx7qV3vrghq4TBYDbsqFxoIPxqyT111BDX2365+BVSZK\n" +
        "Nl7GKJhWsBDr4wnzAvGNgZXrtfra85BQtfsNxxvYoYIVYHfVmfcsq6VwkfwSIouL\n" +
        "KjfBcsSuse1jFAG5aWtGTwy1dysvATPG/0dd07OrTic3ZcTe81zQ9mA6DI134Z2D\n" +
        "6FvTxq1paSIiRgNKJUeZK5DUiB8DdavKkOLScHFHA3AeKJj1quwc035f/+nbJdsP\n" +
        "9up4QcfE770Hg9AJVRwU0UIIBjDUzotD3s7aa46ZXshG99c48uufLWGSApS2sO7r\n" +
        "xunntzfaARtyTGUKoDuENw==\n" +
        "-----END PRIVATE KEY-----";

    String sign(String payload) {
        return Jwts.builder().setPayload(payload).signWith(load(SIGNING_KEY)).compact();
    }
}
