/*
 * The configuration page's "Search index" panel: "Rebuild index" and "Start over" post bounded
 * steps to the step URL (data-step-url) one after the other until the build is done, and put the
 * figures of each answer into the panel. The tab's token (sessionStorage) identifies this page's
 * build: reloading or coming back to the page in the same tab resumes a build it was driving;
 * another tab or the command line is refused while this one drives it.
 */
(function () {
    'use strict';
    var panel = document.getElementById('api-endpoints-search');
    if (!panel || panel.getAttribute('data-wired')) {
        return;
    }
    panel.setAttribute('data-wired', '1');
    var url = panel.getAttribute('data-step-url');
    var rebuild = document.getElementById('api-endpoints-search-rebuild');
    var fresh = document.getElementById('api-endpoints-search-fresh');
    var note = document.getElementById('api-endpoints-search-message');
    var bar = document.getElementById('api-endpoints-search-bar');
    var progress = document.getElementById('api-endpoints-search-progress');
    var OWNER = 'api-endpoints-search-owner';
    var DRIVING = 'api-endpoints-search-driving';
    var store = window.sessionStorage;

    function token() {
        var t = store.getItem(OWNER);
        if (!t) {
            var bytes = new Uint8Array(16);
            window.crypto.getRandomValues(bytes);
            t = Array.prototype.map.call(bytes, function (b) {
                return ('0' + b.toString(16)).slice(-2);
            }).join('');
            store.setItem(OWNER, t);
        }
        return t;
    }

    function csrf() {
        var meta = document.querySelector('meta[name=csrf_token]');
        return meta ? meta.getAttribute('content') : '';
    }

    function say(text, state) {
        note.textContent = text;
        panel.setAttribute('data-outcome', state);
    }

    function show(d) {
        Object.keys(d.figures || {}).forEach(function (key) {
            var cell = document.getElementById('api-endpoints-search-' + key);
            if (cell) {
                cell.textContent = d.figures[key];
            }
        });
        ['phase', 'percent', 'documents', 'tickets'].forEach(function (key) {
            if (d[key] !== undefined) {
                panel.setAttribute('data-' + key, String(d[key]));
            }
        });
        if (d.percent !== undefined) {
            bar.style.width = d.percent + '%';
            progress.setAttribute('aria-valuenow', String(d.percent));
        }
    }

    function busy(on) {
        var off = on || panel.getAttribute('data-phase') === 'disabled';
        rebuild.disabled = off;
        fresh.disabled = off;
    }

    function post(mode) {
        var body = new URLSearchParams();
        body.set('mode', mode);
        body.set('owner', token());
        body.set('__CSRFToken__', csrf());
        var test = store.getItem('api-endpoints-search-test-step');
        if (test) {
            body.set('test_step_tickets', test);
        }
        return fetch(url, {
            method: 'POST',
            credentials: 'same-origin',
            headers: {'X-CSRFToken': csrf(), 'X-Requested-With': 'XMLHttpRequest'},
            body: body
        }).then(function (r) {
            return r.text().then(function (text) {
                try {
                    return JSON.parse(text);
                } catch (e) {
                    return {
                        outcome: 'error',
                        message: 'The helpdesk answered ' + r.status + ': '
                            + text.replace(/<[^>]*>/g, ' ').trim().slice(0, 200)
                            + ' (is the plugin\'s instance enabled?)'
                    };
                }
            });
        });
    }

    function run(mode, waited) {
        busy(true);
        store.setItem(DRIVING, '1');
        post(mode).then(function (d) {
            show(d);
            if (d.outcome === 'running') {
                say('Building: ' + d.message + ' …', 'running');
                run('continue', 0);
            } else if (d.outcome === 'done') {
                store.removeItem(DRIVING);
                say(d.message, 'done');
                busy(false);
            } else if (d.outcome === 'busy' && d.locked && mode === 'continue' && waited < 30) {
                // Cron or a catch-up holds the writer for a moment: this page's build goes on after it.
                say('Waiting for another writer to finish …', 'waiting');
                window.setTimeout(function () {
                    run('continue', waited + 1);
                }, 2000);
            } else {
                store.removeItem(DRIVING);
                say(d.message || 'The step failed', d.outcome === 'busy' ? 'busy' : 'error');
                busy(false);
            }
        }, function (e) {
            say('The step failed: ' + e + ' (the next click resumes the build)', 'error');
            busy(false);
        });
    }

    rebuild.addEventListener('click', function () {
        run('rebuild', 0);
    });
    fresh.addEventListener('click', function () {
        if (panel.getAttribute('data-phase') === 'building'
            && !window.confirm('Discard the unfinished build and start over?')) {
            return;
        }
        run('fresh', 0);
    });
    busy(false);
    // This tab was driving a build when it left the page: go on with it.
    if (store.getItem(DRIVING) && panel.getAttribute('data-phase') === 'building') {
        say('Resuming the build …', 'running');
        run('continue', 0);
    } else {
        store.removeItem(DRIVING);
    }
}());
