import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { createClient, WatchError } from 'redis';
import { CorsConfigurationError, CorsPolicyService, type CorsPolicy } from '../../lib/index.js';
import {
  InvalidCorsPolicyMessage,
  nextCorsPolicyState,
  parseCorsPolicyMessage,
  parseCorsPolicyState,
  policyOfState,
  type CorsPolicyCommand,
  type CorsPolicyState,
} from './cors-policy-message.js';

/** Where the fleet meets (`CorsFleetModule.forRoot`). */
export interface CorsFleetOptions {
  /** The Redis server every instance uses, e.g. `redis://127.0.0.1:6379`. */
  readonly url: string;
  /** The pub/sub channel changes travel on. @defaultValue `'cors-policies:changes'` */
  readonly channel?: string;
  /** The hash keeping each policy's current state, for instances that start later. @defaultValue `'cors-policies:state'` */
  readonly key?: string;
}

export const CORS_FLEET_OPTIONS = Symbol('CORS_FLEET_OPTIONS');

type RedisClient = ReturnType<typeof createClient>;

/** How often a publication tries when other instances keep storing states meanwhile. */
const MAX_ATTEMPTS = 10;

/**
 * Keeps this instance's named CORS policies in step with the fleet's, over Redis pub/sub.
 * nest-cors changes policies per process (`CorsPolicyService`); this is the app's side: it
 * stores each change in a Redis hash and publishes it, and applies what the others publish.
 */
@Injectable()
export class CorsPolicySync implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(CorsPolicySync.name);
  /** Commands: snapshot reads, transactions, PUBLISH. */
  private readonly client: RedisClient;
  /** A connection in subscribe mode runs nothing else, hence a second one. */
  private readonly subscriber: RedisClient;
  private readonly channel: string;
  private readonly key: string;
  /** The named policies as the code configures them: what `update` states are relative to. */
  private readonly configured = new Map<string, CorsPolicy>();
  /** The last state applied per policy, from the channel or the snapshot. */
  private readonly applied = new Map<string, CorsPolicyState>();
  /** Publications one at a time: WATCH belongs to the connection, two interleaved would spoil each other. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(CORS_FLEET_OPTIONS) options: CorsFleetOptions,
    private readonly cors: CorsPolicyService,
  ) {
    this.channel = options.channel ?? 'cors-policies:changes';
    this.key = options.key ?? 'cors-policies:state';
    this.client = createClient({ url: options.url });
    this.subscriber = this.client.duplicate();
    // Without a listener, a dropped connection is an unhandled 'error' event that ends the
    // process. node-redis reconnects by itself; the log says why the fleet may lag meanwhile.
    for (const client of [this.client, this.subscriber])
      client.on('error', (error: Error) => this.logger.warn(`Redis: ${error.message}`));
  }

  /**
   * Before the app listens: an instance must not serve the configured policies when the fleet
   * has changed them. Waits for Redis (node-redis retries the connection until it succeeds).
   */
  async onModuleInit(): Promise<void> {
    for (const name of this.cors.names()) this.configured.set(name, this.cors.get(name)!);
    await Promise.all([this.client.connect(), this.subscriber.connect()]);
    // Subscribe first, then read the snapshot: a change published in between is not lost, and
    // `rev` tells which of the two is newer.
    await this.subscriber.subscribe(this.channel, (raw) => this.receive(raw));
    await this.catchUp();
    // node-redis subscribes again after a reconnect (before 'ready'), but pub/sub keeps nothing
    // for absent subscribers: whatever was published meanwhile is in the snapshot only.
    this.subscriber.on('ready', () => {
      this.catchUp().catch((error: unknown) => this.logger.error(`Could not read the snapshot: ${String(error)}`));
    });
  }

  async onModuleDestroy(): Promise<void> {
    // A connection that is down would hold the shutdown until Redis is back: drop it.
    for (const client of [this.subscriber, this.client]) if (client.isOpen && !client.isReady) client.destroy();
    // Stop applying changes first, then let pending commands (a publication) finish.
    if (this.subscriber.isReady) await this.subscriber.unsubscribe(this.channel);
    await Promise.all([this.subscriber, this.client].filter((c) => c.isOpen).map((c) => c.close()));
  }

  /**
   * Applies `command` on every instance, this one first. A command this instance refuses throws
   * `CorsConfigurationError` (`InvalidCorsPolicyMessage` for a malformed one), and nothing is
   * stored or sent: the same code with the same configuration would refuse it everywhere.
   * Resolves once the change is stored and published; the other instances apply it as it arrives.
   */
  publish(command: CorsPolicyCommand): Promise<void> {
    const publication = this.queue.then(() => this.send(command));
    this.queue = publication.catch(() => undefined);
    return publication;
  }

  private async send(command: CorsPolicyCommand): Promise<void> {
    // Exactly what the wire carries: a RegExp smuggled in becomes `{}` here and is refused here.
    const wire = parseCorsPolicyMessage(JSON.parse(JSON.stringify(command)), false);
    if (wire.op === 'invalidate') {
      this.cors.invalidate(wire.name, wire.origin); // throws for a policy that does not exist
      await this.client.publish(this.channel, JSON.stringify(wire));
      return;
    }
    // Read the stored state, derive the next one, store and publish it in one transaction that
    // Redis aborts if another instance stored a state meanwhile: every instance then sees the
    // states of a policy in the order of their `rev`, and the hash always holds the newest.
    for (let attempt = 1; ; attempt++) {
      await this.client.watch(this.key);
      let next: CorsPolicyState;
      try {
        const stored = await this.client.hGet(this.key, wire.name);
        next = nextCorsPolicyState(stored ? parseCorsPolicyState(stored) : undefined, wire);
        // The validation: throws CorsConfigurationError, and then nothing changes anywhere.
        this.cors.replace(next.name, policyOfState(next, this.configured.get(next.name)));
      } catch (error) {
        await this.client.unwatch();
        throw error;
      }
      try {
        const state = JSON.stringify(next);
        await this.client.multi().hSet(this.key, next.name, state).publish(this.channel, state).exec();
        return; // this instance gets its own message too, and finds nothing left to change
      } catch (error) {
        // Not stored: back to the state the fleet agreed on, until the next attempt.
        this.restore(next.name);
        if (!(error instanceof WatchError) || attempt === MAX_ATTEMPTS) throw error;
      }
      // Another instance won the race: wait a random while, so that the losers do not all
      // collide again, then start over from the state it stored.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
  }

  /** Applies one message off the channel (or one state of the snapshot). Never throws: a bad message is logged and ignored. */
  private receive(raw: string): void {
    try {
      const message = parseCorsPolicyMessage(JSON.parse(raw));
      if (message.op === 'invalidate') this.cors.invalidate(message.name, message.origin);
      else if (message.rev > (this.applied.get(message.name)?.rev ?? 0)) {
        this.cors.replace(message.name, policyOfState(message, this.configured.get(message.name)));
        this.applied.set(message.name, message);
      }
    } catch (error) {
      const reason =
        error instanceof CorsConfigurationError ||
        error instanceof InvalidCorsPolicyMessage ||
        error instanceof SyntaxError
          ? error.message
          : String(error);
      this.logger.error(`Ignored CORS policy message ${raw.slice(0, 500)}: ${reason}`);
    }
  }

  /** Applies the stored states newer than those applied: at startup, and after a reconnect. */
  private async catchUp(): Promise<void> {
    for (const raw of Object.values(await this.client.hGetAll(this.key))) this.receive(raw);
  }

  /** Back to the last state this instance applied from the fleet, or to the configured policy. */
  private restore(name: string): void {
    const state = this.applied.get(name);
    this.cors.replace(name, state ? policyOfState(state, this.configured.get(name)) : this.configured.get(name)!);
  }
}
