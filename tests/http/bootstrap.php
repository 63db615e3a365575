<?php

declare(strict_types=1);

require_once __DIR__ . '/Contract.php';
require_once __DIR__ . '/Client.php';
require_once __DIR__ . '/ApiTestCase.php';
require_once __DIR__ . '/WriteCase.php';
