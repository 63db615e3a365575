<?php

declare(strict_types=1);

/*
 * Compatibility with the entry scripts of the original plugin 2.x. They stay in osTicket's api/
 * after an in-place upgrade (the plugin folder replaced) until this plugin redeploys its own, which
 * its bootstrap() does on the first request; a request that already started one of them ends up
 * here (they require this file after osTicket's main.inc.php) and is answered by the extension
 * like the new entry scripts answer it. The rest of the old script never runs.
 */

require __DIR__ . '/../endpoint.php';
exit;
