// `status.conditions` in the shape of metav1.Condition, so kstatus, kubectl wait, Argo CD and Flux read
// them; the limits are those of the upstream type (k8s.io/apimachinery/pkg/apis/meta/v1/types.go).
import { arrayOf, integer, object, string, timestamp, type OpenApiSchema } from './openapi.ts';

export function conditionsSchema(kinds: string): OpenApiSchema {
  return arrayOf(
    object(
      {
        type: string('The aspect this condition reports, in CamelCase.', {
          maxLength: 316,
          pattern:
            '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
        }),
        status: string('True, False or Unknown.', { enum: ['True', 'False', 'Unknown'] }),
        reason: string('Why, as one CamelCase word a program can test.', {
          minLength: 1,
          maxLength: 1024,
          pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
        }),
        message: string('Why, as a sentence for people.', { maxLength: 32768 }),
        lastTransitionTime: timestamp('When status last changed.'),
        observedGeneration: integer('The metadata.generation this condition was computed from.', {
          format: 'int64',
          minimum: 0,
        }),
      },
      { required: ['type', 'status', 'reason', 'message', 'lastTransitionTime'] },
    ),
    {
      description: `Standard conditions (${kinds}); one entry per type.`,
      maxItems: 32,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    },
  );
}
