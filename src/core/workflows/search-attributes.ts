import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Inventory id of the managed certificate a workflow is about. */
export const certificateIdAttribute = defineSearchAttributeKey('CertflowCertificateId', SearchAttributeType.KEYWORD);
/** Owner group responsible for the certificate (R-OWN-1). */
export const ownerGroupAttribute = defineSearchAttributeKey('CertflowOwnerGroup', SearchAttributeType.KEYWORD);
/** notAfter of the certificate version currently installed. */
export const notAfterAttribute = defineSearchAttributeKey('CertflowNotAfter', SearchAttributeType.DATETIME);
/** Lifecycle phase (monitoring, awaiting approval, renewing, …) for list and count queries. */
export const phaseAttribute = defineSearchAttributeKey('CertflowPhase', SearchAttributeType.KEYWORD);
/** Crypto-agility campaign a workflow belongs to, when it does. */
export const campaignIdAttribute = defineSearchAttributeKey('CertflowCampaignId', SearchAttributeType.KEYWORD);

/** Every custom search attribute certflow uses; registered on the dev server and by docker-compose's setup job. */
export const certflowSearchAttributes = [
  certificateIdAttribute,
  ownerGroupAttribute,
  notAfterAttribute,
  phaseAttribute,
  campaignIdAttribute,
] as const;
