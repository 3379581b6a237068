<?php
return [
    'db' => [
        'host' => 'mysql.prod.internal',
        'username' => 'shop',
        'password' => '{{P:generic:password}}',
    ],
    'payments' => [
        'secret_key' => '{{P:stripe:stripe_live}}',
    ],
    'app_key' => 'base64:{{P:generic:b64_44}}',
];
$apiToken = "{{P:generic:b62_32}}";
