import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { HealthCheckPlan } from './lb-plan.ts';
import type { CheckResult } from './target-health-state.ts';

/** ELB's health checker introduces itself so; targets' logs show it. */
export const HEALTH_CHECK_USER_AGENT = 'ELB-HealthChecker/2.0';

/**
 * One health check of one target, as ELB makes it: an HTTP(S) GET of the path on a fresh
 * connection, closed afterwards, passing when the status is in the matcher; or a TCP connect.
 * Never rejects: every failure is a CheckResult.
 */
export function runHealthCheck(
  address: string,
  port: number,
  check: HealthCheckPlan,
  matches: (statusCode: number) => boolean,
): Promise<CheckResult> {
  return check.protocol === 'TCP'
    ? tcpCheck(address, port, check.timeoutMs)
    : httpCheck(address, port, check, matches);
}

function tcpCheck(host: string, port: number, timeoutMs: number): Promise<CheckResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: CheckResult) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    // TCP checks only know connected or not: ELB reports every failure as FailedHealthChecks.
    const timer = setTimeout(() => done({ ok: false, reason: 'Target.FailedHealthChecks' }), timeoutMs);
    socket.once('connect', () => done({ ok: true }));
    socket.once('error', () => done({ ok: false, reason: 'Target.FailedHealthChecks' }));
  });
}

function httpCheck(
  host: string,
  port: number,
  check: HealthCheckPlan,
  matches: (statusCode: number) => boolean,
): Promise<CheckResult> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: CheckResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(result);
    };
    const request = check.protocol === 'HTTPS' ? httpsRequest : httpRequest;
    const req = request({
      host,
      port,
      method: 'GET',
      path: check.path,
      agent: false,
      // Targets behind ELB see no certificate checks from it, and neither do they here.
      rejectUnauthorized: false,
      headers: {
        Host: port === 80 ? host : `${host}:${port}`,
        'User-Agent': HEALTH_CHECK_USER_AGENT,
        Connection: 'close',
      },
    });
    const timer = setTimeout(() => done({ ok: false, reason: 'Target.Timeout' }), check.timeoutMs);
    req.once('response', (res) => {
      const statusCode = res.statusCode ?? 0;
      res.resume();
      done(
        matches(statusCode) ? { ok: true } : { ok: false, reason: 'Target.ResponseCodeMismatch', statusCode },
      );
    });
    req.once('error', () => done({ ok: false, reason: 'Target.FailedHealthChecks' }));
    req.end();
  });
}
