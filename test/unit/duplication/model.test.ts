import test from 'ava';
import { DUP_STATUSES, dupTopicName, isLegalDupTransition, type DupStatus } from '../../../duplication/core/model.ts';

test('status changes follow Pegasus: init->prepare->app->log, init->log, log<->pause, anything->removed', (t) => {
  const legal = new Set(['init>prepare', 'init>log', 'prepare>app', 'app>log', 'log>pause', 'pause>log',
    'init>removed', 'prepare>removed', 'app>removed', 'log>removed', 'pause>removed']);
  for (const from of DUP_STATUSES) {
    for (const to of DUP_STATUSES) {
      t.is(isLegalDupTransition(from as DupStatus, to as DupStatus), legal.has(`${from}>${to}`), `${from} -> ${to}`);
    }
  }
});

test('topic names are unique per cluster, table and dupid and legal for Kafka', (t) => {
  t.is(dupTopicName('onebox', 'temp', 1700000000), 'pegasus-dup.onebox.temp.1700000000');
  t.regex(dupTopicName('a b', 'ta/ble', 1), /^[A-Za-z0-9._-]+$/);
  t.not(dupTopicName('c', 't', 1), dupTopicName('c', 't', 2));
});
