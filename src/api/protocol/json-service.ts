import type { ServiceError } from '../../core/service-error.ts';
import type { Operation } from '../operation.ts';
import type { InputProblem, InputValidator } from './input-validator.ts';

/** A service spoken in awsJson1_0 or awsJson1_1: operations picked by `X-Amz-Target`. */
export interface JsonService {
  readonly protocol: 'awsJson1_0' | 'awsJson1_1';
  /** `AmazonEC2ContainerServiceV20141113` in `X-Amz-Target: AmazonEC2ContainerServiceV20141113.ListClusters`. */
  readonly targetPrefix: string;
  /** The SigV4 service name clients sign with. */
  readonly signingName: string;
  readonly validator: InputValidator;
  readonly operations: Readonly<Record<string, Operation>>;
  /** How this service words an input that breaks a model constraint. */
  inputError(operation: string, problem: InputProblem): ServiceError;
  /** What this service answers when neargate itself fails (the cause is logged, not sent). */
  serverError(): ServiceError;
}
