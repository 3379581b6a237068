package com.acme.batch;

import com.amazonaws.auth.BasicAWSCredentials;

class Uploader {
    // TODO move to the parameter store
    private final BasicAWSCredentials creds = new BasicAWSCredentials("AKIAA7OG27MIGHTZQBQR", "bGtwnP6OwHuU5/I7veGtskGUgWvSAZ7to4Todmti");
}
