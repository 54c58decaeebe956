/**
 * The CustomResourceDefinitions the scaler needs before it can serve, and what installs them
 * (InferenceSets come with KAITO releases that have the InferenceSet controller).
 */
export const REQUIRED_CRDS: ReadonlyArray<{ readonly name: string; readonly installedBy: string }> = [
  { name: 'inferencesets.kaito.sh', installedBy: 'KAITO' },
  { name: 'workspaces.kaito.sh', installedBy: 'KAITO' },
  { name: 'scaledobjects.keda.sh', installedBy: 'KEDA' },
];

/**
 * Why the scaler waits, given the names of the CRDs that exist; undefined when none is missing.
 * One line that names every missing CRD and what installs it.
 */
export function missingCrdsReason(present: ReadonlySet<string>): string | undefined {
  const missing = REQUIRED_CRDS.filter((crd) => !present.has(crd.name));
  if (missing.length === 0) return undefined;
  const names = missing.map((crd) => crd.name).join(', ');
  const installers = [...new Set(missing.map((crd) => crd.installedBy))].join(' and ');
  return `waiting for CRD${missing.length > 1 ? 's' : ''} ${names} (install ${installers})`;
}
