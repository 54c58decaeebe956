/**
 * How KEDA v2.20.2 reads an `external` trigger (pkg/scalers/external_scaler.go, typed
 * metadata parsed by pkg/scalers/scalersconfig/typed_config.go) and decides how to dial:
 *  - `scalerAddress` is required trigger metadata; `enableTLS` and `unsafeSsl` are
 *    optional booleans read with Go's strconv.ParseBool;
 *  - `caCert`, `tlsClientCert`, `tlsClientKey` come only from the trigger's own
 *    `authenticationRef` (resolved per trigger), and are empty when KEDA finds no Secret
 *    (for a ClusterTriggerAuthentication: outside its cluster-object namespace);
 *  - it dials with TLS when enableTLS is true, or a client certificate or a CA was found,
 *    and in plaintext otherwise.
 */
export interface ResolvedAuth {
  readonly caCert?: string;
  readonly tlsClientCert?: string;
  readonly tlsClientKey?: string;
}

export interface Trigger {
  readonly type: string;
  readonly name?: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly authenticationRef?: { readonly kind?: string; readonly name: string };
}

const GO_BOOLS: Readonly<Record<string, boolean>> = {
  '1': true,
  t: true,
  T: true,
  TRUE: true,
  true: true,
  True: true,
  '0': false,
  f: false,
  F: false,
  FALSE: false,
  false: false,
  False: false,
};

/** `resolve` stands for KEDA's lookup of the trigger's authenticationRef. */
export function dialOf(
  trigger: Trigger,
  resolve: (ref: NonNullable<Trigger['authenticationRef']>) => ResolvedAuth,
): { address: string; tls: boolean } {
  if (trigger.type !== 'external') throw new Error(`not an external trigger: ${trigger.type}`);
  const address = trigger.metadata['scalerAddress'];
  if (address === undefined || address === '') throw new Error('missing required parameter "scalerAddress"');
  const flag = (name: string): boolean => {
    const value = trigger.metadata[name];
    if (value === undefined) return false;
    const parsed = GO_BOOLS[value];
    if (parsed === undefined) throw new Error(`parameter "${name}": strconv.ParseBool: parsing "${value}": invalid syntax`);
    return parsed;
  };
  const enableTLS = flag('enableTLS');
  flag('unsafeSsl');
  const auth = trigger.authenticationRef ? resolve(trigger.authenticationRef) : {};
  const hasClientCert = Boolean(auth.tlsClientCert) && Boolean(auth.tlsClientKey);
  return { address, tls: enableTLS || hasClientCert || Boolean(auth.caCert) };
}
