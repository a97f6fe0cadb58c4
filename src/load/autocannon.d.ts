// The part of autocannon's API the harness uses (autocannon ships no types; @types/autocannon is not a dependency).
declare module "autocannon" {
  namespace autocannon {
    interface Request {
      setupRequest?: (req: Record<string, unknown>, context: Record<string, unknown>) => Record<string, unknown> | null;
      onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
      method?: string;
      path?: string;
    }
    interface Options {
      url: string;
      connections?: number;
      duration?: number;
      amount?: number;
      overallRate?: number;
      timeout?: number;
      pipelining?: number;
      requests?: Request[];
    }
    interface Histogram {
      average: number;
      p50: number;
      p99: number;
      max: number;
    }
    interface Result {
      requests: Histogram & { total: number; sent: number };
      latency: Histogram;
      errors: number;
      timeouts: number;
      non2xx: number;
      duration: number;
    }
    interface Instance extends PromiseLike<Result> {
      stop(): void;
    }
  }
  function autocannon(opts: autocannon.Options): autocannon.Instance;
  export default autocannon;
}
