export * from './provider';
export * from './role';
export * from './role-props';
export * from './subject';
