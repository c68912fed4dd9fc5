declare module 'autocannon' {
  const autocannon: (options: unknown) => Promise<unknown>;
  export default autocannon;
}
