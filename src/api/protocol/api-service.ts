import type { ServiceError } from '../../core/service-error.ts';
import type { Operation } from '../operation.ts';
import type { InputProblem, InputValidator } from './input-validator.ts';

/** An AWS service as the gateway serves it, whatever its wire protocol. */
export interface ApiService {
  /** Which codec reads and answers its requests. */
  readonly protocol: 'awsJson1_0' | 'awsJson1_1' | 'awsQuery';
  /** JSON services: `AmazonEC2ContainerServiceV20141113` in `X-Amz-Target: AmazonEC2ContainerServiceV20141113.ListClusters`. */
  readonly targetPrefix?: string;
  /** The SigV4 service name clients sign with (Query services are also told apart by it). */
  readonly signingName: string;
  readonly validator: InputValidator;
  readonly operations: Readonly<Record<string, Operation>>;
  /** How this service words an input that breaks a model constraint. */
  inputError(operation: string, problem: InputProblem): ServiceError;
  /** What this service answers when neargate itself fails (the cause is logged, not sent). */
  serverError(): ServiceError;
}
