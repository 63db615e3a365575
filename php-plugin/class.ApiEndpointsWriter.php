<?php

declare(strict_types=1);

/**
 * The write adapter: applies a command built and validated by the osticket_api extension with
 * osTicket 1.18's own domain methods and answers a result array (docs/write-commands.md).
 *
 * It decides nothing about the request. Every write runs in one database transaction that first locks
 * the ticket's row (SELECT ... FOR UPDATE) and then reads the ticket again, so each step is checked
 * against the ticket as it is under the lock, after the steps before it: a step that would change
 * nothing is skipped, a step osTicket would refuse refuses the whole request (rolled back, nothing
 * written). Locks are waited for at most LOCK_WAIT seconds; a lock wait timeout or deadlock is tried
 * once more, then answered 503. Changes are made as the agent the admin chose (`actor_id`:
 * `$thisstaff` for the call), or as osTicket's system poster `API`.
 *
 * osTicket behaviour kept on purpose (it is what the agent panel does): a transfer or an
 * assignment reopens a closed ticket, closing records the acting agent as the ticket's agent.
 */
final class ApiEndpointsWriter
{
    private const FAILED = 'The helpdesk could not apply the change';

    /** Seconds a write waits for a row or table lock (innodb_lock_wait_timeout, lock_wait_timeout). */
    public const LOCK_WAIT = 4;
    private const ER_LOCK_WAIT_TIMEOUT = 1205;
    private const ER_LOCK_DEADLOCK = 1213;
    /** The code of the exception transaction() throws after a lock wait timeout or deadlock. */
    private const BUSY = 503;
    /** osTicket's limits of a thread entry (thread_entry.body TEXT, title VARCHAR(255)). */
    public const BODY_MAX_BYTES = 65535;
    public const BODY_MAX_CHARS = 64999;
    public const TITLE_MAX_CHARS = 255;

    /** Something left the transaction (mail sent, attachment handed over): no second try. */
    private static bool $outside = false;

    /** Applies $command; never throws. */
    public static function apply(array $command): array
    {
        $previous = $GLOBALS['thisstaff'] ?? null;
        try {
            $actorId = (int) ($command['actor_id'] ?? 0);
            // An agent deleted since the extension resolved it: the system poster, like one who left.
            $actor = $actorId > 0 ? Staff::lookup($actorId) : null;
            $GLOBALS['thisstaff'] = $actor instanceof Staff ? $actor : null;
            if (($command['actor_warning'] ?? '') !== '' && isset($GLOBALS['ost'])) {
                $GLOBALS['ost']->logWarning('API Endpoints', (string) $command['actor_warning'], false);
            }
            return match ($command['op']) {
                'update' => self::update($command),
                'delete' => self::delete($command),
                'link', 'unlink' => self::link($command),
                'create' => self::create($command),
            };
        } catch (Throwable $e) {
            self::logFailure($command, $e);
            return self::error(500, 'write_failed', self::FAILED);
        } finally {
            $GLOBALS['thisstaff'] = $previous;
        }
    }

    private static function update(array $command): array
    {
        $steps = $command['steps'];
        foreach ($steps as $step) {
            if ($tooLong = self::tooLong($step)) {
                return $tooLong;
            }
        }
        return self::locked((int) $command['ticket_id'], function (Ticket $ticket) use ($steps) {
            $events = [];
            foreach ($steps as $i => $step) {
                if (self::unchanged($ticket, $step)) {
                    continue;
                }
                if ($refused = self::precheck($ticket, $step)) {
                    return $refused;
                }
                if ($step['do'] === 'reply') {
                    // The reply may be mailed at once: what could still refuse the request is asked
                    // first, on the ticket as it is now (after the steps before).
                    foreach (array_slice($steps, $i + 1) as $later) {
                        if (!self::unchanged($ticket, $later) && ($refused = self::precheck($ticket, $later))) {
                            return $refused;
                        }
                    }
                }
                if ($failed = self::step($ticket, $step)) {
                    return $failed;
                }
                $events[] = self::describe($step);
            }
            return self::done($ticket, $events);
        });
    }

    private static function delete(array $command): array
    {
        return self::locked((int) $command['ticket_id'], function (Ticket $ticket) {
            $id = (int) $ticket->getId();
            $done = self::done($ticket, ['deleted']);
            // Core keeps the thread of a child and dereferences its parent without a check; a child
            // osTicket did not merge (our link) or whose parent is gone is released first.
            $merged = Ticket::FLAG_COMBINE_THREADS | Ticket::FLAG_SEPARATE_THREADS | Ticket::FLAG_LINKED;
            if ($ticket->getPid() && (!($ticket->flags & $merged) || !Ticket::lookup($ticket->getPid()))) {
                $ticket->setPid(null);
                $ticket->save();
            }
            if (!$ticket->delete()) {
                return self::error(500, 'write_failed', self::FAILED);
            }
            // After delete(): core releases (and un-flags) the children of a FLAG_PARENT ticket itself.
            $released = Ticket::objects()->filter(['ticket_pid' => $id])->update(['ticket_pid' => null]);
            $done['events'][] = "released {$released} child ticket(s)";
            return $done;
        });
    }

    private static function link(array $command): array
    {
        $parentId = $command['op'] === 'link' ? (int) $command['parent_id'] : null;
        return self::locked((int) $command['child_id'], function (Ticket $child) use ($parentId) {
            $child->setPid($parentId);
            return $child->save() ? self::done($child, [$parentId ? "linked to #{$parentId}" : 'unlinked'])
                : self::error(500, 'write_failed', self::FAILED);
        });
    }

    private static function create(array $command): array
    {
        $vars = $command['data'];
        $type = $vars['message_type'] ?? 'html';
        unset($vars['message_type']);
        if (is_string($vars['message'] ?? null)) {
            $vars['message'] = $type === 'text' ? self::text($vars['message'])
                : new HtmlThreadEntryBody($vars['message']);
        }
        if (!empty($command['dept_id'])) {
            $vars['deptId'] = (int) $command['dept_id'];
        }
        $steps = array_values(array_filter([
            isset($command['parent_id']) ? ['do' => 'parent', 'parent_id' => $command['parent_id']] : null,
            isset($command['sla_id']) ? ['do' => 'sla', 'sla_id' => $command['sla_id']] : null,
            !empty($command['staff_id']) ? ['do' => 'staff', 'staff_id' => $command['staff_id']] : null,
            !empty($command['team_id']) ? ['do' => 'team', 'team_id' => $command['team_id']] : null,
            isset($command['due'])
                ? ['do' => 'due', 'due' => $command['due'], 'due_utc' => $command['due_utc'] ?? false] : null,
        ]));
        $tooLong = $vars['message'] instanceof ThreadEntryBody ? self::bodyTooLong($vars['message'], 'message') : null;
        if ($tooLong) {
            return $tooLong;
        }
        // Before Ticket::create(), which sends its alerts and auto-response at once.
        foreach ($steps as $step) {
            if ($refused = self::precheck(null, $step)) {
                return $refused;
            }
        }
        return self::retried(fn () => self::transaction(function () use ($command, $vars, $steps) {
            // Stored inside the transaction: a refused create leaves no files behind.
            $vars['attachments'] = self::files($command['attachments'] ?? []);
            $errors = [];
            $source = (string) ($command['source'] ?? 'API');
            $vars['source'] ??= $source;
            $ticket = Ticket::create($vars, $errors, $source, (bool) $command['autorespond'], (bool) $command['alert']);
            if (!$ticket instanceof Ticket || $errors) {
                $status = (int) ($errors['errno'] ?? 0) ?: 400;
                unset($errors['errno']);
                return self::error($status, 'create_refused', self::message($errors, 'Unable to create new ticket'));
            }
            $events = ['created'];
            foreach ($steps as $step) {
                if ($failed = self::step($ticket, $step)) {
                    return $failed;
                }
                $events[] = self::describe($step);
            }
            return self::done($ticket, $events);
        }));
    }

    /** What osTicket would refuse for $step on $ticket as it is now (null: a ticket to create). */
    private static function precheck(?Ticket $ticket, array $step): ?array
    {
        global $thisstaff;
        switch ($step['do']) {
            case 'status':
                $status = TicketStatus::lookup((int) $step['status_id']);
                $state = $status ? $status->getState() : null;
                $role = $thisstaff ? $ticket->getRole($thisstaff) : null;
                $why = match (true) {
                    !in_array($state, ['open', 'closed'], true) => "osTicket cannot set a status in state {$state}",
                    $thisstaff && !$role => 'The API agent has no access to the ticket\'s department',
                    $state === 'closed' && $role && !$role->hasPerm(Ticket::PERM_CLOSE)
                        => 'The API agent may not close tickets',
                    $state === 'closed' && !$ticket->isClosed() => $ticket->isCloseable(),
                    $state === 'open' && $ticket->isClosed() && !$ticket->isReopenable()
                        => 'This ticket cannot be reopened',
                    default => true,
                };
                return $why === true ? null : self::error(409, 'status_refused', (string) $why, 'statusId');
            case 'transfer':
                $may = !$thisstaff || $ticket->checkStaffPerm($thisstaff, Ticket::PERM_TRANSFER);
                $why = 'The API agent may not transfer this ticket';
                return $may ? null : self::error(409, 'transfer_refused', $why, 'departmentId');
            case 'staff':
                $staff = $step['staff_id'] ? Staff::lookup((int) $step['staff_id']) : null;
                return !$step['staff_id'] || ($staff && $staff->isAvailable()) ? null
                    : self::error(409, 'assign_refused', 'The agent is unavailable for assignment', 'staffId');
            case 'team':
                $team = $step['team_id'] ? Team::lookup((int) $step['team_id']) : null;
                return !$step['team_id'] || ($team && $team->isActive()) ? null
                    : self::error(409, 'assign_refused', 'The team is disabled', 'teamId');
        }
        return null;
    }

    /**
     * Whether $step would change nothing on the ticket as it is now (after the steps before it):
     * such a step is skipped, so a combined request records what the same fields sent one request
     * at a time would (a status the ticket already has records no event).
     */
    private static function unchanged(Ticket $ticket, array $step): bool
    {
        switch ($step['do']) {
            case 'transfer':
                return (int) $ticket->getDeptId() === (int) $step['dept_id'];
            case 'topic':
                return (int) $ticket->getTopicId() === (int) $step['topic_id'];
            case 'sla':
                return (int) $ticket->getSLAId() === (int) $step['sla_id'];
            case 'priority':
                $answer = $ticket->getAnswer('priority');
                return $answer && (int) $answer->get('value_id') === (int) $step['priority_id'];
            case 'staff':
                return (int) $ticket->getStaffId() === (int) $step['staff_id'];
            case 'team':
                return (int) $ticket->getTeamId() === (int) $step['team_id'];
            case 'parent':
                return (int) $ticket->getPid() === (int) $step['parent_id'];
            case 'status':
                return (int) $ticket->getStatusId() === (int) $step['status_id'];
        }
        return false; // due (compared when applied), note, reply
    }

    /** A thread entry body of a step: `format` text is stored as text (shown literally), else HTML. */
    private static function body(array $step): ThreadEntryBody
    {
        return ($step['format'] ?? 'html') === 'text' ? self::text($step['body'])
            : new HtmlThreadEntryBody($step['body']);
    }

    /**
     * Text as osTicket's text body, shown as written. Escaped first: osTicket balances a text body
     * as HTML before it escapes it, which would drop literal markup such as "<b></b>"; escaped text
     * has no markup to balance (and osTicket's escaping leaves entities as they are).
     */
    private static function text(string $text): TextThreadEntryBody
    {
        return new TextThreadEntryBody(htmlspecialchars($text, ENT_NOQUOTES | ENT_SUBSTITUTE, 'UTF-8'));
    }

    /** 413 when a note or reply (body or title) would not be stored whole. */
    private static function tooLong(array $step): ?array
    {
        if (!in_array($step['do'], ['note', 'reply'], true)) {
            return null;
        }
        if ($step['do'] === 'note') {
            // As ThreadEntry::create() stores the title (VARCHAR(255), characters).
            $title = Format::strip_emoticons(Format::sanitize((string) $step['title'], true));
            if (($n = mb_strlen($title)) > self::TITLE_MAX_CHARS) {
                return self::error(413, 'too_long', sprintf(
                    'noteTitle is too long: %d characters as stored, at most %d',
                    $n,
                    self::TITLE_MAX_CHARS
                ), 'noteTitle');
            }
        }
        return self::bodyTooLong(self::body($step), $step['do']);
    }

    /**
     * 413 when osTicket would not keep $body whole in the thread entry: the body column holds
     * 65,535 bytes (longer text is cut by MariaDB), and from 65,000 characters on osTicket moves the
     * body into an attachment and leaves the entry's body empty.
     */
    private static function bodyTooLong(ThreadEntryBody $body, string $field): ?array
    {
        $stored = (string) Format::strip_emoticons($body->getClean()); // as ThreadEntry::create()
        $bytes = strlen($stored);
        $chars = mb_strlen($stored);
        if ($bytes <= self::BODY_MAX_BYTES && $chars <= self::BODY_MAX_CHARS) {
            return null;
        }
        return self::error(413, 'too_long', sprintf(
            '%s is too long: %d bytes, %d characters as stored; osTicket keeps'
            . ' at most %d bytes and %d characters of a thread entry',
            $field,
            $bytes,
            $chars,
            self::BODY_MAX_BYTES,
            self::BODY_MAX_CHARS
        ), $field);
    }

    /** Applies one step; null when done, else the failure result. */
    private static function step(Ticket $ticket, array $step): ?array
    {
        global $thisstaff;
        $errors = [];
        switch ($step['do']) {
            case 'transfer':
                if ($thisstaff) {
                    $form = $ticket->getTransferForm(['dept' => (int) $step['dept_id'], 'refer' => false]);
                    $ok = $ticket->transfer($form, $errors, false);
                } else {
                    $ok = self::transferAsSystem($ticket, (int) $step['dept_id']);
                }
                return $ok ? null : self::error(409, 'transfer_refused', self::message($errors), 'departmentId');
            case 'topic':
                return self::edit($ticket, 'topic', Topic::lookup((int) $step['topic_id']), 'topicId');
            case 'parent':
                $ticket->setPid($step['parent_id'] === null ? null : (int) $step['parent_id']);
                return $ticket->save() ? null : self::error(500, 'write_failed', self::FAILED, 'parentTicketNumber');
            case 'status':
                return $ticket->setStatus((int) $step['status_id'], '', $errors) ? null
                    : self::error(409, 'status_refused', self::message($errors), 'statusId');
            case 'sla':
                $old = $ticket->getSLAId();
                if (!$ticket->setSLAId((int) $step['sla_id']) || !$ticket->updateEstDueDate()) {
                    return self::error(500, 'write_failed', self::FAILED, 'slaId');
                }
                $ticket->logEvent('edited', ['sla_id' => [$old, $ticket->getSLAId()]]);
                return null;
            case 'staff':
                return self::assign($ticket, 'staff', (int) $step['staff_id']);
            case 'team':
                return self::assign($ticket, 'team', (int) $step['team_id']);
            case 'priority':
                return self::priority($ticket, (int) $step['priority_id']);
            case 'due':
                return self::due($ticket, self::dbTime($step['due'], (bool) ($step['due_utc'] ?? false)));
            case 'note':
                $files = self::files($step['attachments'] ?? []);
                $vars = ['note' => self::body($step), 'title' => $step['title']];
                $entry = $ticket->postNote(self::entry($vars, $files), $errors, $thisstaff ?: 'API', false);
                return self::posted($entry, $files, $errors, 'note');
            case 'reply':
                $files = self::files($step['attachments'] ?? []);
                $vars = ['response' => self::body($step), 'reply-to' => 'all'];
                if ($step['alert']) {
                    self::$outside = true; // mailed at once: the request is not tried again
                }
                // No claim: the request says who is assigned.
                $entry = $ticket->postReply(self::entry($vars, $files), $errors, (bool) $step['alert'], false);
                return self::posted($entry, $files, $errors, 'reply');
        }
        throw new InvalidArgumentException("unknown step {$step['do']}");
    }

    /**
     * Ticket::transfer() needs an agent (checkStaffPerm); without one, the same changes: the
     * department, a closed ticket reopened, the new department's SLA, the `transferred` event.
     */
    private static function transferAsSystem(Ticket $ticket, int $deptId): bool
    {
        if (!$ticket->setDeptId($deptId)) {
            return false;
        }
        if ($ticket->isClosed()) {
            $ticket->reopen();
        }
        if ((!$ticket->getSLAId() || $ticket->getSLA()->isTransient()) && ($slaId = $ticket->getDept()->getSLAId())) {
            $ticket->selectSLAId($slaId);
        }
        $ticket->logEvent('transferred', ['dept' => $ticket->getDept()->getName()]);
        return true;
    }

    /** Sets a plain field and records it as the agent panel's field edit does (`edited` event). */
    private static function edit(Ticket $ticket, string $name, $value, string $field): ?array
    {
        // As read from the database: an id or null (a model saved in this request may hold 0).
        $old = (int) $ticket->get($name . '_id') ?: null;
        $ticket->{$name} = $value;
        if (!$ticket->save()) {
            return self::error(500, 'write_failed', self::FAILED, $field);
        }
        $ticket->logEvent('edited', [$name . '_id' => [$old, $ticket->get($name . '_id')]]);
        return null;
    }

    /** Assigns the agent or team, or releases only that one (as the agent panel's Release). */
    private static function assign(Ticket $ticket, string $kind, int $id): ?array
    {
        $field = $kind . 'Id';
        if ($id > 0) {
            $ok = $kind === 'staff' ? $ticket->assignToStaff($id, null, false)
                : $ticket->assignToTeam($id, null, false);
            return $ok ? null : self::error(409, 'assign_refused', 'osTicket refused the assignment', $field);
        }
        $current = $kind === 'staff' ? $ticket->getStaff() : $ticket->getTeam();
        if (!$current) {
            return null;
        }
        $errors = [];
        if (!$ticket->release([$kind === 'staff' ? 'sid' : 'tid' => $current->getId()], $errors)) {
            return self::error(409, 'assign_refused', self::message($errors), $field);
        }
        $ticket->logEvent('released', $kind === 'staff'
            ? ['staff' => [$current->getId(), (string) $current->getName()->getOriginal()]]
            : ['team' => $current->getId()]);
        return null;
    }

    /** The ticket form's priority answer; saving it updates `ticket__cdata` (osTicket's signal). */
    private static function priority(Ticket $ticket, int $id): ?array
    {
        $priority = Priority::lookup($id);
        $answer = $ticket->getAnswer('priority');
        if (!$answer) {
            // A ticket whose form entry lacks the answer (created before the field existed, imported).
            $form = TicketForm::getInstance(); // an unsaved entry of the ticket form
            $entry = DynamicFormEntry::forTicket($ticket->getId(), true)
                ->filter(['form_id' => $form->get('form_id')])->first();
            $answer = $entry ? new DynamicFormEntryAnswer(['entry' => $entry,
                'field_id' => $form->getField('priority')->get('id')]) : null;
        }
        if (!$priority || !$answer) {
            return self::error(500, 'write_failed', self::FAILED, 'priorityId');
        }
        $old = [$answer->get('value'), $answer->get('value_id')];
        $answer->setValue($priority->getDesc(), $priority->getId());
        if (!$answer->save()) {
            return self::error(500, 'write_failed', self::FAILED, 'priorityId');
        }
        $ticket->logEvent('edited', ['fields' => [$answer->get('field_id') => [$old, [$priority->getDesc(), $id]]]]);
        return null;
    }

    /**
     * A due date as osTicket stores it (database time): from UTC, or from the helpdesk's time
     * zone when the client gave no offset.
     */
    private static function dbTime(?string $due, bool $utc): ?string
    {
        global $cfg;
        if ($due === null) {
            return null;
        }
        $date = new DateTime($due, new DateTimeZone($utc ? 'UTC' : ($cfg->getTimezone() ?: 'UTC')));
        return $date->setTimezone(new DateTimeZone($cfg->getDbTimezone()))->format('Y-m-d H:i:s');
    }

    /** The due date; a future one clears the overdue flag, null clears the due date. */
    private static function due(Ticket $ticket, ?string $due): ?array
    {
        $old = $ticket->getDueDate();
        if ($old === $due) {
            // The date it has already: the extension cannot tell (the time zone is converted here).
            return null;
        }
        $ticket->duedate = $due;
        if ($due !== null && $ticket->isOverdue() && Misc::db2gmtime($due) > Misc::gmtime()) {
            $ticket->clearOverdue(false);
        }
        if (!$ticket->save()) {
            return self::error(500, 'write_failed', self::FAILED, 'dueDate');
        }
        $ticket->logEvent('edited', ['duedate' => [$old, $due]]);
        return null;
    }

    /** Thread entry variables: poster and attachments (the original's 'API' poster without an agent). */
    private static function entry(array $vars, array $files): array
    {
        return $vars + ['attachments' => $files]
            + ($GLOBALS['thisstaff'] ? [] : ['poster' => 'API', 'staffId' => 0]);
    }

    /**
     * Stores the attachments one at a time (AttachmentFile::create, as core's API does before it
     * creates the entry) and returns them by id, so only one file's bytes are in PHP's memory at
     * once; the extension hands each over by index (osticket_api_attachment()).
     */
    private static function files(array $attachments): array
    {
        $files = [];
        foreach (array_values($attachments) as $a) {
            self::$outside = true; // handed over once: the request is not tried again
            $data = is_int($a['data']) ? osticket_api_attachment($a['data']) : $a['data'];
            if (!is_string($data)) {
                throw new RuntimeException("the content of attachment {$a['name']} is gone");
            }
            // AttachmentFile::create() takes its argument by reference.
            $info = ['name' => $a['name'], 'type' => $a['type'], 'data' => $data, 'size' => strlen($data)];
            unset($data);
            $file = AttachmentFile::create($info);
            unset($info);
            if (!$file instanceof AttachmentFile) {
                throw new RuntimeException("osTicket could not store attachment {$a['name']}");
            }
            $files[] = ['id' => $file->getId(), 'name' => $a['name']];
        }
        return $files;
    }

    /** A posted entry, with every attachment stored (osTicket only notes a failed one in the thread). */
    private static function posted($entry, array $files, array $errors, string $field): ?array
    {
        if (!$entry instanceof ThreadEntry) {
            return self::error(500, 'write_failed', self::message($errors, self::FAILED), $field);
        }
        // osTicket keeps one file per content (the same bytes twice are one file, attached once).
        $expected = count(array_unique(array_column($files, 'id')));
        return $entry->attachments->filter(['inline' => 0])->count() === $expected ? null
            : self::error(500, 'write_failed', 'The helpdesk could not store the attachments', 'attachments');
    }

    /**
     * Runs $fn with the ticket locked: in a transaction, its row locked (SELECT ... FOR UPDATE) and
     * the ticket read again after the lock, so $fn sees what every earlier write left.
     */
    private static function locked(int $id, callable $fn): array
    {
        return self::retried(fn () => self::transaction(function () use ($id, $fn) {
            $lock = db_query('SELECT ticket_id FROM ' . TICKET_TABLE . ' WHERE ticket_id = ' . db_input($id)
                . ' FOR UPDATE');
            if (!$lock) { // db_query() answers null when mysqli threw (a lock wait timeout)
                throw new RuntimeException('locking the ticket failed: ' . db_error());
            }
            if (!db_num_rows($lock)) {
                return self::error(404, 'not_found', 'Ticket not found');
            }
            // Models osTicket cached before the lock may be stale: read the ticket as it is now.
            ModelInstanceManager::flushCache();
            $ticket = Ticket::lookup($id);
            return $ticket instanceof Ticket ? $fn($ticket) : self::error(404, 'not_found', 'Ticket not found');
        }));
    }

    /**
     * Runs $fn; a lock wait timeout or deadlock is tried once more (unless something already left
     * the transaction: a mailed reply, an attachment handed over), then answered 503.
     */
    private static function retried(callable $fn): array
    {
        self::$outside = false;
        for ($try = 1;; $try++) {
            try {
                return $fn();
            } catch (RuntimeException $e) {
                if ($e->getCode() !== self::BUSY) {
                    throw $e;
                }
                if ($try >= 2 || self::$outside) {
                    return self::error(503, 'database_busy', sprintf('The ticket is locked by another change'
                        . ' (waited %d s); try again later', self::LOCK_WAIT));
                }
            }
        }
    }

    /**
     * Runs $fn in a transaction whose lock waits are bounded (LOCK_WAIT); commits an ok result,
     * rolls back a failure or an exception. A lock wait timeout or deadlock is thrown as a
     * RuntimeException with the code BUSY.
     */
    private static function transaction(callable $fn): array
    {
        $before = db_fetch_row(db_query('SELECT @@SESSION.innodb_lock_wait_timeout, @@SESSION.lock_wait_timeout'));
        self::lockWait(self::LOCK_WAIT, self::LOCK_WAIT);
        $result = null;
        try {
            if (!db_query('START TRANSACTION')) {
                throw new RuntimeException('START TRANSACTION failed: ' . db_error());
            }
            $result = $fn();
            if ($result['ok'] && !db_query('COMMIT')) {
                $result = null;
                throw new RuntimeException('COMMIT failed: ' . db_error());
            }
        } catch (Throwable $e) {
            // The error number of the failed statement, before the rollback replaces it.
            if (in_array(db_errno(), [self::ER_LOCK_WAIT_TIMEOUT, self::ER_LOCK_DEADLOCK], true)) {
                throw new RuntimeException('lock wait: ' . $e->getMessage(), self::BUSY, $e);
            }
            throw $e;
        } finally {
            if (!($result['ok'] ?? false)) {
                db_rollback();
                // The models osTicket cached in this request hold the undone changes.
                ModelInstanceManager::flushCache();
            }
            if ($before) {
                self::lockWait((int) $before[0], (int) $before[1]);
            }
        }
        return $result;
    }

    private static function lockWait(int $row, int $table): void
    {
        db_query(sprintf('SET SESSION innodb_lock_wait_timeout = %d, lock_wait_timeout = %d', $row, $table));
    }

    private static function done(Ticket $ticket, array $events): array
    {
        return ['ok' => true, 'ticket_id' => (int) $ticket->getId(), 'number' => (string) $ticket->getNumber(),
            'events' => $events];
    }

    private static function describe(array $step): string
    {
        $keys = array_diff_key($step, array_flip(['do', 'body', 'attachments']));
        return trim($step['do'] . ' ' . http_build_query($keys, '', ' ')
            . (empty($step['attachments']) ? '' : ' attachments=' . count($step['attachments'])));
    }

    private static function error(int $status, string $code, string $message, ?string $field = null): array
    {
        return ['ok' => false, 'status' => $status, 'code' => $code, 'message' => $message, 'field' => $field];
    }

    /** osTicket's error list as one message. */
    private static function message(array $errors, string $fallback = 'osTicket refused the change'): string
    {
        $texts = array_filter(array_map(fn ($e) => is_scalar($e) ? trim((string) $e) : '', $errors));
        return $texts ? implode(', ', $texts) : $fallback;
    }

    /** To osTicket's system log (after the rollback, so that it stays), without alert mail. */
    private static function logFailure(array $command, Throwable $e): void
    {
        global $ost;
        $what = sprintf(
            '%s %s [request %s]',
            $command['op'] ?? '?',
            $command['number'] ?? $command['ticket_id'] ?? '',
            $command['request_id'] ?? ''
        );
        try {
            $detail = sprintf('%s: %s: %s', trim($what), get_class($e), $e->getMessage());
            $ost?->logWarning('API Endpoints: write failed', "{$detail} ({$e->getFile()}:{$e->getLine()})", false);
        } catch (Throwable) {
            error_log("API Endpoints: write failed: {$what}: " . $e->getMessage());
        }
    }
}
