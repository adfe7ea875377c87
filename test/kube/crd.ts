/** CustomResourceDefinition checks and status: what apiextensions-apiserver does on create and update. */
import { checkStructural } from './schema.ts';
import { isObject, type KubeObject, type StatusCause } from './types.ts';

/** Invalid causes (422) and keywords JSONSchemaProps does not know (strict decoding errors). */
export function crdCauses(crd: KubeObject): { causes: StatusCause[]; unknownFields: string[] } {
  const causes: StatusCause[] = [];
  const spec = isObject(crd.spec) ? crd.spec : {};
  const names = isObject(spec.names) ? spec.names : {};
  const expected = `${String(names.plural ?? '')}.${String(spec.group ?? '')}`;
  if (crd.metadata.name !== expected) causes.push({ type: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: ${JSON.stringify(crd.metadata.name)}: must be spec.names.plural+"."+spec.group` });
  if (!names.kind) causes.push({ type: 'FieldValueRequired', field: 'spec.names.kind', message: 'Required value' });
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') causes.push({ type: 'FieldValueNotSupported', field: 'spec.scope', message: 'Unsupported value: must be Namespaced or Cluster' });
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  if (versions.filter((v) => isObject(v) && v.storage === true).length !== 1) causes.push({ type: 'FieldValueInvalid', field: 'spec.versions', message: 'Invalid value: must have exactly one version marked as storage version' });
  const unknownFields: string[] = [];
  versions.forEach((v, i) => {
    if (!isObject(v)) return;
    const report = checkStructural(isObject(v.schema) ? v.schema.openAPIV3Schema : undefined, `spec.versions[${i}].schema.openAPIV3Schema`);
    causes.push(...report.causes);
    unknownFields.push(...report.unknownFields);
    if (Array.isArray(v.additionalPrinterColumns)) v.additionalPrinterColumns.forEach((c, j) => {
      if (!isObject(c) || typeof c.jsonPath !== 'string' || !c.jsonPath.startsWith('.')) {
        causes.push({ type: 'FieldValueInvalid', field: `spec.versions[${i}].additionalPrinterColumns[${j}].jsonPath`, message: 'Invalid value: must be a simple json path starting with .' });
      }
    });
  });
  return { causes, unknownFields };
}

/** CRDs are Established at once (no controller runs here); conditions keep their times across updates. */
export function establishCrd(crd: KubeObject, now: string): void {
  const spec = isObject(crd.spec) ? crd.spec : {};
  const names = isObject(spec.names) ? spec.names : {};
  const previous = isObject(crd.status) && Array.isArray(crd.status.conditions) ? crd.status.conditions : undefined;
  crd.status = {
    acceptedNames: structuredClone(names),
    conditions: previous ?? [
      { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found', lastTransitionTime: now },
      { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted', lastTransitionTime: now },
    ],
    storedVersions: (Array.isArray(spec.versions) ? spec.versions : []).filter((v) => isObject(v) && v.storage === true).map((v) => (isObject(v) ? String(v.name) : '')),
  };
}
