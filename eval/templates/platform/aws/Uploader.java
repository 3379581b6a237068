package com.acme.batch;

import com.amazonaws.auth.BasicAWSCredentials;

class Uploader {
    // TODO move to the parameter store
    private final BasicAWSCredentials creds = new BasicAWSCredentials("{{P:aws:aws_id#13}}", "{{P:aws:aws_secret#13}}");
}
