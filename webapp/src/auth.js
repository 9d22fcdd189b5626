// Sidecar auth tokens (content-sidecar/src/auth.rs): `PopSr25519 <scope>.<ss58>.<expires>.<sig>`,
// the signature over `pop-sidecar-auth:v2:<scope>:<audience>:<expires>` by the account's key
// (an extension signs it as raw bytes). Tokens are kept and renewed before they expire, so the
// player's synchronous request hook always has a valid one.
import { stringToU8a } from '@polkadot/util';

/** A token for `scope` (`upload` or `stream`) at `audience`, valid `seconds` from now. */
export async function signToken(account, scope, audience, seconds) {
  const expires = Math.floor(Date.now() / 1000) + seconds;
  const signature = await account.signRaw(stringToU8a(`pop-sidecar-auth:v2:${scope}:${audience}:${expires}`));
  return { header: `PopSr25519 ${scope}.${account.address}.${expires}.${signature}`, expires };
}

/**
 * A token of `account` for `scope` at `audience` that renews itself: `current` is the header
 * value (null until `ready()` resolved), `stop()` ends the renewals. Tokens are signed for
 * `seconds` (at most the sidecar's bound, with a minute kept for clock drift) and renewed when a
 * fifth of that is left.
 */
export function renewingToken(account, scope, audience, seconds) {
  const validity = Math.max(60, seconds - 60);
  let timer;
  let stopped = false;
  const token = {
    current: null,
    async renew() {
      const { header } = await signToken(account, scope, audience, validity);
      if (stopped) return;
      token.current = header;
      timer = setTimeout(renewLater, validity * 800);
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
  // A renewal the signer refused or failed is tried again shortly; the old token may still do.
  const renewLater = () => token.renew().catch(() => { if (!stopped) timer = setTimeout(renewLater, 10_000); });
  token.ready = token.renew();
  return token;
}
