import { randomInt } from 'node:crypto';
import { invalidArgument } from '@ce/protocol';

const ADJECTIVES = [
  'admiring', 'brave', 'clever', 'dazzling', 'eager', 'fervent', 'gallant', 'happy', 'jolly', 'keen',
  'loving', 'modest', 'nifty', 'optimistic', 'peaceful', 'quirky', 'relaxed', 'serene', 'trusting', 'vibrant',
  'wizardly', 'zealous', 'upbeat', 'sharp', 'gifted', 'focused', 'elated', 'determined', 'charming', 'bold',
];
const SURNAMES = [
  'babbage', 'curie', 'dijkstra', 'einstein', 'feynman', 'goldberg', 'hopper', 'jepsen', 'knuth', 'lamport',
  'lovelace', 'mccarthy', 'noether', 'pike', 'ritchie', 'shannon', 'thompson', 'turing', 'wozniak', 'yalow',
  'allen', 'bell', 'cerf', 'darwin', 'euler', 'franklin', 'galois', 'hamilton', 'kare', 'liskov',
];

/** Docker's rule for container names. */
const VALID_NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export function validateName(name: string): string {
  if (!VALID_NAME.test(name)) {
    throw invalidArgument(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  return name.replace(/^\//, '');
}

/** A docker-style name (adjective_surname) not in `taken`. */
export function generateName(taken: (name: string) => boolean): string {
  for (let attempt = 0; ; attempt++) {
    const base = `${ADJECTIVES[randomInt(ADJECTIVES.length)]}_${SURNAMES[randomInt(SURNAMES.length)]}`;
    const name = attempt < 10 ? base : `${base}${randomInt(10)}`;
    if (!taken(name)) return name;
  }
}
