import { closeRedisConnection, openRedisConnection, type RedisSettings } from './connection.js';
import type { Keyspace } from './keys.js';

/**
 * Listens for announced changes of sites, accounts and keys (RedisSites
 * publishes them) on a connection of its own, as a subscriber must. `onChange`
 * runs for each announcement, and also whenever the subscription (re)starts:
 * announcements made while it was down are lost, so whatever was remembered
 * then may be stale. Returns a function that stops listening.
 */
export async function listenForSiteChanges(
  settings: RedisSettings,
  keys: Keyspace,
  onChange: () => void,
  onError: (error: Error) => void,
): Promise<() => Promise<void>> {
  const subscriber = openRedisConnection(settings, { failFast: false });
  subscriber.on('error', onError);
  subscriber.on('message', (channel: string) => {
    if (channel === keys.siteChanges) onChange();
  });
  // ioredis subscribes again after a reconnect; 'ready' follows each (re)connection.
  subscriber.on('ready', onChange);
  await subscriber.subscribe(keys.siteChanges);
  onChange();
  return () => closeRedisConnection(subscriber);
}
