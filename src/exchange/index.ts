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
export { lookupTrustedKey, signBytes, verifyBytes, type TrustedKeys } from './signature.ts';
export { looksLikeZip } from './spreadsheet.ts';
export { canonicalJson } from '../shared/canonical-json.ts';
export { ensureExchangeSetup, DEMO_CONVENTIONS, type ExchangeSetupReport } from './setup.ts';
export { exchangeRepository, type PackageLifecycle, type PackageRecord, type PackageStatus, type Partner, type StoredConvention } from './repository.ts';
export {
  activeMasterKeys, configureMasterKeys, generateMasterKey, isProtected, protectedKeyId, loadMasterKeys, masterKeyFromBase64, masterKeyId, protectSecret, readSecret,
  unprotectSecret, writeMasterKeyFile, MASTER_KEY_FILE, MasterKeyError, type MasterKey, type MasterKeys, type MasterKeySettings,
} from './protection.ts';
export { organisationPseudonymKey, protectOrganisationKeys } from './organisation-keys.ts';
export {
  authenticateInboxPost, exportPublicKeyring, parsePublicKeyringExport, sendPackage, MANIFEST_HEADER, PUBLIC_KEYRING_FORMAT, SIGNATURE_HEADER, TransportError,
  type InboxCheck, type PublicKeyringExport, type SendOptions, type SendReport, type TransportErrorCode,
} from './transport.ts';
export { runCycle, readExtract, cycleCounts, cycleReference, cycleOrganisations, CycleInputError, type CycleCounts, type CycleOptions, type CycleReference, type CycleReport, type CyclePackage, type CycleRefusal, type CycleProgress, type CycleList } from './cycle.ts';
export { importAcknowledgement, importPackage, recordAcknowledgement, recordAcknowledgementFile, ImportFailed, ImportRefused, AcknowledgementRefused, type ImportOptions, type ImportReport, type ImportRefusalCode } from './import.ts';
export { rotateOrganisationKeys, retireOrganisationKey, KeyManagementError } from './key-management.ts';
