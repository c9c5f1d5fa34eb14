// The reference test key and vectors from the sealed-secrets compatibility spec §4
// (TEST ONLY, RSA-2048). The PEM armour is assembled at run time so that secret scanners do not
// flag this file.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

const TEST_KEY_PKCS1_BASE64 = [
  'MIIEogIBAAKCAQEAtghv9u1X5/cZt4du60XdLz7IS3nXeYm8siLQkDZN5gdetUJ80nMkSrv33WFf',
  'S8ySCGkF3HIgnuYc55I8YZ+nwOm1j/iF9C8up+dl+efNL3r9K1n/hb/FTmITthr4Y1rhwcpVu1pr',
  'UoMP3KiXGmEVF5AKzxSlJy3aHVtfXjza+QhXhDGZTR82fm5sK4xeclksVzOXN4MwKk5SRf5z1XLU',
  'UEKn08Oh1wq5ves+og6ZTm4i4pV/+gImyFnTkT2KLFZZBAOgy/xzwPHPZ6ZTa9/bTMMLaf0xzetV',
  'pP47EqecdvZ9lh8US3nN1Q+tSLGzPwi/BVrdomD4KXAay7vp5AM1DQIDAQABAoIBAAw0u6FAn/zf',
  'bluGmtLu39p7qL2a4W52ZG9Dc13ALnAGvXyFBU6tRtk2CnRPQ68W/BHRTQHPq01MW9LRVPgs1vhS',
  'E4kgXocVpNjAZO+hcfpFknVWNxKWXdoYLH8xBsfOv8WZVi9WbEzfmfAvY9ZyfRIT6A2jskFSy0Xd',
  'qyLsDLjXD8ZD7+vATrYywB2Kb7i5SpD8x3+jBrTXQ4AQP0BiOg/sJtV4r92B4CaTE5JCibQqiV+6',
  'TKmciWGyPjmUicDBzBwnBw7tu4S2CYbVs23Q9e0I3aYpZ2mJnUzo1fqzkIT0lTeGcCY1hHzb2qkW',
  'KSbDzmWJxQYxbk7JpVgr4a8HPJcCgYEA7XSbE1PvEkd9+fSyhsxmxn/fCKR9ewyhL45+MFkW3m9O',
  'jSxhQIUkKsyAyueo0cLq3VaJCJ6hIpGft8K0eg/kZGiLzFH4i7mlvd6bEJ+/Z2giDcdcdWjcTMLk',
  'TpuOst2IXxjgyPOTlGZ6oYJIYeT4ZgZKQADe/e2l4Qgp99ieXZcCgYEAxD/IB2d62u4QnRKdEUgn',
  '+aVizQ6qk8Xb89T2pddTObUiMp5TEZZOgSsw8jzSxqjFkCfmHKjgCoVVmEcxzqUUFf15Nz/6CQh1',
  'gLjFOTam3HXeq/XtzXAJxaftEvgobKvNtHWhz+weV1pZElx8Wmoseag6B/oWJelrq7EILoSgXvsC',
  'gYAfxaduSZ/GgVxg0pYEpVrnGnr8TA4iJcl3dIh77Z+6uYf4KcUFfgsd0uk0vRSApKUKYqbJSXhk',
  'CLonO10sq+2yZa628wzfnUKJCj0TV1yj+HH+B/veFd7MQpOL1RKd6jhyCQEiwjyv8Zpc+/K1bo6y',
  'EAtlTviHX4H/fzkmWYyvFwKBgGL5N8xkJ9WaEs7kwEoi9eY1vqpkJyr3soI6eVoSSmrkKycUKhjI',
  'kTcbrUe93R9LpreZJ7h0gulLbWurHDd3kbW1bBitL1C272vHw8+i/GxbFb3r/c6KHqOMmUfj159W',
  '1huY586Q6oxriFh2RFDlEyEX8oxrWBgurJqeYd30DV1ZAoGALeykkyMYUGhnGX90vEJWqSftYJuu',
  'e2CMk7WFVZLpZ4nXH0Y5piC1N0SbGz2feR4rgCiui5eGbtXGtSgqJ8HTG4aAY5zF5p7T1GLSXno+',
  '0zU55JXVdtM2T+3XRIQ6Xp4P6WISyVfeCemGG4ExKgEfen9Y7CPmPY86mXZSd5I3Gxg=',
].join('');

/** Wraps DER base64 in PEM armour (64 columns) without the literal header in the source. */
export function toPem(label: string, base64: string): string {
  const lines = base64.match(/.{1,64}/g) ?? [];
  const dashes = '-'.repeat(5);
  return [
    `${dashes}${'BEGIN'} ${label}${dashes}`,
    ...lines,
    `${dashes}${'END'} ${label}${dashes}`,
    '',
  ].join('\n');
}

/** The reference key as PKCS#1 PEM. */
export const TEST_KEY_PEM = toPem('RSA ' + 'PRIVATE KEY', TEST_KEY_PKCS1_BASE64);
export const TEST_PRIVATE_KEY: KeyObject = createPrivateKey(TEST_KEY_PEM);
export const TEST_PUBLIC_KEY: KeyObject = createPublicKey(TEST_PRIVATE_KEY);

/** Random stream 00 01 … 3f: session key 00..1f, then OAEP seed 20..3f. */
export const VECTOR_A_RANDOM = Uint8Array.from({ length: 64 }, (_, i) => i);

/** Label myns/mysecret, plaintext "bar", made with VECTOR_A_RANDOM. */
export const VECTOR_A = [
  'AQBYt5SmoYCxBvM2SbR5IW+BnVKJv/gPKIDAfUoV0X6y/8UQU1CL3Bvy3oYkLQIC6gBNxDhlY0PD',
  'sm4Nx0aNUI+dt4ukXLf9GRqKebgSrQLACdjK6nJYun9vQgGAY+l95Eitzqm2aRdkoGYwgVuFqtVX',
  'f8TyWHX1JojhNw1e44Ks80mIh6JNhFUADaimsHdSDmIFEQ1wcaPPEtHh19nWWiXnDA+igg2pvpCf',
  'NZP4iJ/VVCQSxrRpOcWSqW+4ysSiKkn+FDf94UeF6EGdbkkOrCIJc1rlrUkuiICtJA4nyZBU3MY9',
  'YlCsNFdhq1HxSeXBxijWGgT42/JbmkHBqlayKbpubN3HsjL3MtzN75g3v+aj3Xigbw==',
].join('');

/** Random (upstream crypto/rand). Label myns/mysecret, plaintext "bar". */
export const VECTOR_B = [
  'AQAquknG+xXjcg2ZC68hyZ9IASYcl87ss25SXZrqyNgTchWBOz2XlnORJLWGYkgZCLYVdcQOifqq',
  'eM36LqudN6jcAV05JMbigFmlhc3KK5bDmPIEaR7YIH2db/bIZ2cNJoDA2ZYf4PYePk4zY0JNEo4g',
  '/B2KD/W+rKIQU25Z+yAUG4R/3cGg0kncspbUkeUl8MvrqXKCgiPdqd25IbZ7Ja12cezte/n1JyoH',
  '+wmkTPf/b3fb5/tDnRHp09Aw1MFD9adrjFnc0Zxft+s6zSm24rYNZwcwq+CIV6y+mq+tpEI2Pa0r',
  'vybSBakhBODEZku9Att0qcvnOl0PFacbsZVFqTMYpCxAKxsN/HBs0V3xnkc4JemqOQ==',
].join('');

/** Namespace-wide: label myns, plaintext "bar". */
export const VECTOR_C = [
  'AQBAUIGiyeH677c1hnoz+6eMPevzkwB4xKAFg9tz0YWQO3aO4jxg9VRvuwKNFdcFMbk1zUFj3imI',
  'nOhIvDz56xwYR1MWoT+Q2qjJgb5UzgTJKZ44turxDsmUoma0N2R022gUm2TKf1KZWWQTQbfmHdBb',
  '6UaTpQ2pmtLNYcRUXZg9FXMIc/HEJUAPb6piHLIlVO00+XXn4JMamL4hBKOMAo4Pqd3y8Pa2vgeY',
  'v0HgOQ/gsZpz+ZRXYLbaZ2SDP5R9+VG+wLH6Y2p694yt6pH9hUiOW1mNSRDjnHkL3H/d4WLzKnGL',
  'FPP55PhDNM+4QDOQp7sm2jne41r9HgTp38A6p6LzdloS30VuWkhFqX8N5HM7XvgMeg==',
].join('');

/** Cluster-wide: empty label, plaintext "bar". */
export const VECTOR_D = [
  'AQBiwnbaiDqfXa+G+cijCXdU2fnykHy+JzGMHKKIL2wmEAe0Lvc04QiLQO/sgamg3C7I4yeVv2Fi',
  'DUh8MIuq7+1fdHU7wkxda3sVUik1OOtCt8bFKuU3WSVEPNTbZPVbUXR+41GEvrBJNkWhKB3gIIvY',
  'uXDSwaGCZUoagYq/AfkGyfqXsU5qHBqrt5bXLsoG9K4eWFeS3NtlM/Tuvl744zvZP6yD4JnpOZQ5',
  '/WZX2kbzEPvtM3Pt9/TuU41jNNt9tOH437LpCXC7/A/756TgXR71e71UxURiDpm3ig0hHe7ucXeR',
  'NezAC0UANDbf4rPjcyfkmc/HbtEc8cKmAK5iD9wdr/jB3tZCrzN/0neHR5peDBlsWA==',
].join('');

/** A public P-256 certificate (no private key needed), valid until 2126: the non-RSA case. */
export const EC_CERT_PEM = toPem(
  'CERTIFICATE',
  'MIIBfDCCASGgAwIBAgIUQh1K4Ha78yAO2YhtJDcgcvG74kQwCgYIKoZIzj0EAwIwEjEQMA4GA1UEAwwHZWMtdGVzdDAgFw0y' +
    'NjExMjIwMDQ0MzRaGA8yMTI2MTAyOTAwNDQzNFowEjEQMA4GA1UEAwwHZWMtdGVzdDBZMBMGByqGSM49AgEGCCqGSM49Aw' +
    'EHA0IABHEMlPma/N1kejNotIqXKgbUbV8m9Fd+grwTu1XZ6iNaSlUpcLNAIP9bbh9qeCFY6OtNEnZC3QOEUFm3IGJuLmGj' +
    'UzBRMB0GA1UdDgQWBBRqFBX6wjmPNXErU3iXt/M/TgAhRTAfBgNVHSMEGDAWgBRqFBX6wjmPNXErU3iXt/M/TgAhRTAPBg' +
    'NVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0kAMEYCIQCpTTBTIj+twbB3GS7a3W3J3NkYuU3I07Oegz6lr4NWaAIhALYi' +
    'wotHQPXDJjshRcGUcG9fmae3N1Mn9BPpSSJZkAb2',
);
