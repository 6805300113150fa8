export * from './hosted-issuer';
export * from './hosting';
export * from './jwks';
