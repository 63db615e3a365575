<?php

declare(strict_types=1);

/** Free text drawn when the page is drawn (after a save in the same request), not when it is built. */
class ApiEndpointsLiveText extends FreeTextField
{
    /** @var callable */
    private $render;

    public function __construct($render)
    {
        parent::__construct(['configuration' => ['content' => '']]);
        $this->render = $render;
    }

    public function getConfiguration()
    {
        $config = parent::getConfiguration();
        $config['content'] = (string) ($this->render)();
        return $config;
    }
}
