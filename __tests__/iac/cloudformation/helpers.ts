import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Statement } from '../../../src/engine/model.js'
import {
  type IacContext,
  readCloudFormationTemplate,
  type TemplateFacts
} from '../../../src/facts/iac/cloudformation/read-template.js'
import { InputError } from '../../../src/inputs/errors.js'

export const CONTEXT: IacContext = {
  accountId: '111122223333',
  region: 'eu-west-1',
  partition: 'aws',
  stackName: 'app',
  parameters: {},
  imports: {}
}

export function fixture(name: string): string {
  return readFileSync(fileURLToPath(new URL(`fixtures/${name}`, import.meta.url)), 'utf8')
}

/** Reads a template given as text, with `CONTEXT` and `overrides`. */
export function read(
  text: string,
  overrides: Partial<IacContext> = {},
  source = 'infra/t.yaml'
): TemplateFacts {
  return readCloudFormationTemplate(source, text, { ...CONTEXT, ...overrides })
}

/** A YAML template whose key policy has one statement with `principal` as its Principal AWS value. */
export function keyWithPrincipal(principal: string, extra = ''): string {
  return `${extra}Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal:
              AWS: ${principal}
            Action: kms:Decrypt
            Resource: '*'
`
}

export function firstStatement(facts: TemplateFacts): Statement {
  const statement = facts.keys[0]?.policy?.statements[0]
  if (!statement) throw new Error('the template has no key policy statement')
  return statement
}

export function inputErrorOf(run: () => unknown): InputError {
  try {
    run()
  } catch (error) {
    if (error instanceof InputError) return error
    throw error
  }
  throw new Error('expected an InputError')
}
