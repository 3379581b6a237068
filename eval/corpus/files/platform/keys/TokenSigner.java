package com.acme.auth;

final class TokenSigner {
    // Generated for the staging issuer; to be moved to KMS.
    private static final String SIGNING_KEY =
        "-----BEGIN PRIVATE KEY-----\n" +
        "MIIEwAIBAE1hO5ZxZhmlZtZmXxgKwPQWPFu5UmfnnV2MbaGCjV06n6JgIJfAxSAI\n" +
        "fs4mWeLThzHUAx8eEz3Qog1ZlrDbmFZpnIXlK9kK+XRn2p6fLRC9Nlb9gNDig/um\n" +
        "UlGcy7kk/KdecEVo/6otvcMUT2EkxBjLXvVrE9K8l35YhX5FQ6YI0QDHqVPPnItf\n" +
        "ajALe+wLirce6ld764IauEwWA27KhcaCD8ask9ddQQ19t+ufgVUmSjZexiiYVrAQ\n" +
        "6+MJ8wLxjYGV67X62vOQULX7Dccb2KGCFWB31Zn3LKulcJH8EiKLiyo3wXLErrHt\n" +
        "YxQBuWlrRk8MtXcrLwEzxv9HXdOzq04nN2XE3vNc0PZgOgyNd+Gdg+hb08ataWki\n" +
        "IkYDSiVHmSuQ1IgfA3WrypDi0nBxRwNwHiiY9arsHNN+X//p2yXbD/bqeEHHxO+9\n" +
        "B4PQCVUcFNFCCAYw1M6LQ97O2muOmV7IRvfXOPLrny1hkgKUtrDu68bp57c32gEb\n" +
        "ckxlCqA7hDeWvQpIM8E9GuFEnPr2wPrzhMSEuESKDdQrQJ/OkwmCqUZI5jJFLBsb\n" +
        "26MWHxQabzGt4zgetGys4PoP/V2594a2WUE7imhsLVw6RHC/0LXV+1huqOnsFQj+\n" +
        "owILl8fdVHyZU14e+dSNDBvK6pZJx6juUG54yrKv+K5PljDN/2+cwlKgp1rP5HyZ\n" +
        "n2dWwYGwBZsZgs68WMsYf7cUWLArCxSHnwrS4yxoA2loEKUvDTwDLl9rJbNEk0Zd\n" +
        "34KXj0CqFBDhwv9JDeMcfrjynxM5SzTiGMi6gyE6uzGexYZULxQEsgmz05UvxKKX\n" +
        "+JZQ3qBfz3wYmQIWsiZ8BU1kmkIictF3jq3R9mOPNWI94uPdm0ViMT1oG5Ke17mE\n" +
        "Sx8NxfipuT3qpZiATfuK7DpEDSCeVEM6SHSALCWWYJ6mF6DEMtqijV9wFav2Z52e\n" +
        "nZ7WUlraWrSZWpxivY8KMbG/pr8ls1b+yjoM1Ojm0nCHo4tgMGemzDSaJE1IfBpQ\n" +
        "T20eJmMNajkNB76OJyGuT1vM0HtLiMua4AyR3sXFM9Nd5XK1qpEVlhpA4k7OpDQI\n" +
        "No5ufuXerCMRi2ejksJAfUd9woae+a4odUDZ1mva7AZUlabI9sYYjgDLde6xmhmK\n" +
        "8wuntlC/E0Nphd96cG3wj09555pF88vFxPlCKlkkFyh8eLDfdGsVJJab4qn1vRUY\n" +
        "CiGnWw1fGJzbnj9Nk9L3pqqhNR2Em1liSRqUbN1h46Wia2pfTdXxiq4TX4eHSfuw\n" +
        "AGs3hpdh77GUvySu2BqqCCOJI8SVrn/gnwkPCif9C8dt9zaK80Nho9pz/bzG7K2w\n" +
        "J7N0xBzlfw+xBj2yAjl6/JvEUD4nqr/GoZGIq8kry2YywwA6lHde1RiH/dMYcF2c\n" +
        "x1SQiqfJZsraTyOO1SiIPeaTYZm7V4YMlMjtvcRXdFVt8IxudUU4qOkOCR5Ghpuf\n" +
        "p85odd7kKZ4Hi9aK0fyD19u1umg604Y46+NSIoLBsg5jG0WbylZsUFowHlmGsRuu\n" +
        "a0gABM0etRYoBFo4DqjaPfFNNxd8erjtInx3wQ6Zi8419TKk6y6RTiFkNZnxCDqJ\n" +
        "+AV2SdPOKFtmMIBaalebiA==\n" +
        "-----END PRIVATE KEY-----";

    String sign(String payload) {
        return Jwts.builder().setPayload(payload).signWith(load(SIGNING_KEY)).compact();
    }
}
