/**
 * A published, deterministic Ed25519 test key: RFC 8032 §7.1 TEST 1
 * (https://www.rfc-editor.org/rfc/rfc8032#section-7.1), secret key
 * 9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60, public key
 * d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a. Everybody knows it: it signs
 * test vectors, never anything that matters.
 */
import * as crypto from 'node:crypto';

// PKCS #8 for Ed25519 (RFC 8410 §7): SEQUENCE { version 0, AlgorithmIdentifier id-Ed25519, OCTET STRING { OCTET STRING seed } }.
const PKCS8_PREFIX = '302e020100300506032b657004220420';
const SEED = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';

const privateKey = crypto.createPrivateKey({ key: Buffer.from(PKCS8_PREFIX + SEED, 'hex'), format: 'der', type: 'pkcs8' });

export const RFC8032_TEST1 = {
  privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  publicKeyPem: crypto.createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString(),
} as const;
