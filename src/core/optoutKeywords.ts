/**
 * Opt-out replies. A reply opts out when it is only a keyword (Twilio's standard list plus the
 * French ARRET / ARRÊT), whatever its case, its spaces and a trailing full stop or exclamation
 * mark: "Stop", " STOP ", "stop!", "Arrêt", "stop all". A sentence that merely contains the word
 * ("don't stop texting me about the vote") is not an opt-out.
 */
export const OPTOUT_KEYWORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT', 'ARRET', 'ARRÊT'] as const;

const KEYWORDS = new Set<string>(OPTOUT_KEYWORDS.map((k) => k.normalize('NFC')));

export function isOptOutReply(body: string): boolean {
  const word = body
    .normalize('NFC')
    .replace(/\s+/gu, '')
    .replace(/[.!]+$/u, '')
    .toLocaleUpperCase('fr');
  return KEYWORDS.has(word);
}
