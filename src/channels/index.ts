/**
 * Front door of the `channels` context (issue 4): the e-mail and letter channels of outreach, the
 * opposition link, the demo SMTP catcher and the Caf's separation contact plan. Documentation:
 * docs/channels.md. Events go through the outreach front door (recordEvent), which enforces the
 * contact rules; this context checks them too before anything is queued or printed.
 */
import type { Config } from '../config.ts';
import type { MailSettings } from './mail.ts';

export { offerEmail, offerItems, groupByBranch, senderContact, wordingFor, oppositionText, type OfferItem, type OfferMessage, type SenderOrganisation } from './content.ts';
export { signOppositionToken, verifyOppositionToken } from './token.ts';
export {
  prepareOfferEmail, deliverOfferEmail, describeSmtpError, emailAddressOf, oppositionUrl, ChannelRefusal, RetryableMailError, MAIL_QUEUE,
  type MailSettings, type ChannelActor, type DeliveryOutcome,
} from './mail.ts';
export { startMailWorker, queueDelivery, hasMailWorker, MAIL_WORKER_DEFAULTS, type MailWorkerOptions } from './dispatcher.ts';
export { startDemoCatcher, type DemoCatcher } from './catcher.ts';
export { seedDemoMail } from './demo.ts';
export { buildLetterPdf, buildMailingPdf, recipientOf, ADDRESS_FIELDS, type LetterInput } from './letter.ts';
export { personLetter, selectMailing, produceMailing, letterRefusal, type MailingReport, type MailingSelection } from './letters.ts';
export { lookupOpposition, recordOpposition, type OppositionView } from './opposition.ts';
export { runSeparationCampaign, CampaignInputError, CAMPAIGN_CHANNELS, type CampaignChannel, type CampaignOptions, type CampaignReport } from './campaign.ts';
export { listSent, mailBody, oppositionSecret, type SentMailRow, type OutboxStatus } from './repository.ts';

/** The mail settings of an instance's configuration. */
export function mailSettings(config: Pick<Config, 'mail'>): MailSettings {
  return {
    smtpUrl: config.mail.smtpUrl, fromAddress: config.mail.from, publicUrl: config.mail.publicUrl,
    maxAttempts: config.mail.maxAttempts, retryDelaySeconds: config.mail.retryDelaySeconds,
  };
}
