/**
 * Exchange context, front door. Sealed packages: NAME.manifest.json (signed, clear-text
 * description), NAME.payload.age (CSV encrypted with age for the recipient organisation),
 * NAME.sig (sender's Ed25519 signature over the canonical manifest). See docs/packages.md.
 */
export {
  ageIdentityFile, ageKeyId, createKeyring, currentGeneration, currentRecipientKey, destroyGeneration, findAgeIdentity,
  generateAgeKey, generateKeyGeneration, generateSigningKey, publicKeyring, rotateKeyring, signingKeyId, trustedSigningKeys,
  AgeKeySchema, KeyGenerationSchema, KeyIdSchema, KeyringSchema, OrganisationCodeSchema, PublicKeyringSchema,
  type AgeKey, type KeyGeneration, type Keyring, type PublicAgeKey, type PublicKeyring, type PublicSigningKey,
  type RecipientKey, type SenderSigningKey, type SigningKey,
} from './keys.ts';
export {
  canonicalManifest, manifestFileName, packageNameFromManifestPath, payloadFileName, signatureFileName,
  MANIFEST_FORMAT, ManifestSchema, PackageNameSchema, type Manifest,
} from './manifest.ts';
export { encryptPayloadToFile, sealPackage, type PayloadSource, type SealedPackage, type SealInput } from './seal.ts';
export {
  openPayload, openPayloadStream, sha256File, verifyPackage, PackageOpenError, VERIFICATION_CODES,
  type OpenErrorCode, type PackageFiles, type VerificationCode, type VerificationResult, type VerifiedManifest, type VerifyOptions,
} from './open.ts';
export {
  signAcknowledgement, verifyAcknowledgement, ACK_FORMAT, AcknowledgementSchema,
  type Acknowledgement, type AcknowledgementCode, type AcknowledgementInput, type AcknowledgementVerification,
  type SignedAcknowledgement, type VerifyAcknowledgementOptions,
} from './ack.ts';
export type { TrustedKeys } from './signature.ts';
export { canonicalJson } from '../shared/canonical-json.ts';
export { ensureExchangeSetup, DEMO_CONVENTIONS, type ExchangeSetupReport } from './setup.ts';
export { exchangeRepository, type PackageRecord, type PackageStatus, type StoredConvention } from './repository.ts';
export { runCycle, readExtract, CycleInputError, type CycleOptions, type CycleReport, type CyclePackage, type CycleRefusal, type CycleProgress } from './cycle.ts';
export { importPackage, recordAcknowledgementFile, ImportRefused, AcknowledgementRefused, type ImportOptions, type ImportReport, type ImportRefusalCode } from './import.ts';
