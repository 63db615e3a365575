<?php

/**
 * Prints one plain summary line for a JUnit XML report (PHPUnit's --log-junit):
 *
 *     php scripts/junit-summary.php REPORT.xml [SUITE-NAME]
 *     => "SUITE-NAME: 12 passed, 0 failed, 1 skipped"
 *
 * Counts <testcase> elements: one with a <failure>, <error> or <warning> child is failed (PHPUnit
 * exits non-zero for each of these), one with a <skipped> child (skipped or incomplete) is skipped,
 * every other one passed. The suite name defaults to the report's top-level suite name. Always exits
 * 0: the test runner's own exit status decides whether the stage failed; this only reports.
 */

declare(strict_types=1);

/**
 * @return array{passed: int, failed: int, skipped: int, name: string}
 */
$junitCounts = static function (string $file): array {
    $dom = new DOMDocument();
    if (!@$dom->load($file, LIBXML_NONET)) {
        throw new RuntimeException("cannot parse $file");
    }
    $counts = ['passed' => 0, 'failed' => 0, 'skipped' => 0, 'name' => ''];
    $top = $dom->documentElement?->getElementsByTagName('testsuite')->item(0);
    if ($top instanceof DOMElement) {
        $counts['name'] = $top->getAttribute('name');
    }
    foreach ($dom->getElementsByTagName('testcase') as $case) {
        $outcome = 'passed';
        foreach ($case->childNodes as $child) {
            if (!$child instanceof DOMElement) {
                continue;
            }
            if (in_array($child->tagName, ['failure', 'error', 'warning'], true)) {
                $outcome = 'failed';
                break;
            }
            if ($child->tagName === 'skipped') {
                $outcome = 'skipped';
            }
        }
        $counts[$outcome]++;
    }
    return $counts;
};

$file = $argv[1] ?? '';
$suite = $argv[2] ?? '';
if ($file === '') {
    fwrite(STDERR, "usage: php scripts/junit-summary.php REPORT.xml [SUITE-NAME]\n");
    exit(0);
}
if (!is_file($file)) {
    printf("%s: no report (%s was not written)\n", $suite !== '' ? $suite : basename($file), $file);
    exit(0);
}
try {
    $counts = $junitCounts($file);
} catch (RuntimeException $e) {
    printf("%s: unreadable report (%s)\n", $suite !== '' ? $suite : basename($file), $e->getMessage());
    exit(0);
}
if ($suite === '') {
    $suite = $counts['name'] !== '' ? $counts['name'] : basename($file);
}
printf("%s: %d passed, %d failed, %d skipped\n", $suite, $counts['passed'], $counts['failed'], $counts['skipped']);
exit(0);
