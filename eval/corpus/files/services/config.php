<?php
return [
    'db' => [
        'host' => 'mysql.prod.internal',
        'username' => 'shop',
        'password' => 'KDQAZd2cFM8%!rXks1W',
    ],
    'payments' => [
        'secret_key' => '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',
    ],
    'app_key' => 'base64:fm3MebWCaVBqmXG6lEbPaVtzRNj6iCTC1hW7P0lNHgA=',
];
$apiToken = "6CFpDBb4by4CTtSnq7x6zZk3kkYXX76R";
