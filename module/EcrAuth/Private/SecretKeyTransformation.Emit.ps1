# -SecretKey's argument transformation for Windows PowerShell 5.1 and PowerShell 7.2/7.3: the
# same as SecretKeyTransformation.Class.ps1 (read that first), built with System.Reflection.Emit.
# There a PowerShell class would run its method in the runspace that defined it, so with the
# module imported in several runspaces (runspace pools, ForEach-Object -Parallel) concurrent
# bindings raced and got $null; [NoRunspaceAffinity()], which fixes that, needs PowerShell 7.4.
# This type has no PowerShell code in it. Its IL, as C#:
#
#   public override object Transform(EngineIntrinsics engine, object input) {
#       if (input is PSObject wrapped) input = wrapped.BaseObject;
#       if (input is string text) {
#           if (text.Length == 0) throw new ArgumentTransformationMetadataException("The secret key is empty.");
#           if (text.Length > 65536) throw new ArgumentTransformationMetadataException("... longer than 65536 ...");
#           return new NetworkCredential("", text).SecurePassword;
#       }
#       if (input == null || input is SecureString) return input;
#       throw new ArgumentTransformationMetadataException("The secret key must be a string or a SecureString.");
#   }
# Windows PowerShell 5.1 compatible.

$assembly = [System.Reflection.Emit.AssemblyBuilder]::DefineDynamicAssembly([System.Reflection.AssemblyName]::new('EcrAuth.SecretKeyTransformation'), 'Run')
$builder = $assembly.DefineDynamicModule('EcrAuth.SecretKeyTransformation').DefineType('EcrAuthSecretKeyTransformationAttribute',
    'Public, Sealed, Class', [System.Management.Automation.ArgumentTransformationAttribute])
$method = $builder.DefineMethod('Transform', 'Public, Virtual, HideBySig', [object],
    [type[]]@([System.Management.Automation.EngineIntrinsics], [object]))
$il = $method.GetILGenerator()
$op = [System.Reflection.Emit.OpCodes]
$fail = [System.Management.Automation.ArgumentTransformationMetadataException].GetConstructor([type[]]@([string]))
$length = [string].GetProperty('Length').GetGetMethod()
$unwrapped = $il.DefineLabel(); $notString = $il.DefineLabel(); $notEmpty = $il.DefineLabel(); $notLong = $il.DefineLabel(); $keep = $il.DefineLabel()

$il.Emit($op::Ldarg_2); $il.Emit($op::Isinst, [psobject]); $il.Emit($op::Brfalse, $unwrapped)
$il.Emit($op::Ldarg_2); $il.Emit($op::Castclass, [psobject]); $il.Emit($op::Callvirt, [psobject].GetProperty('BaseObject').GetGetMethod()); $il.Emit($op::Starg_S, [byte]2)
$il.MarkLabel($unwrapped)
$il.Emit($op::Ldarg_2); $il.Emit($op::Isinst, [string]); $il.Emit($op::Brfalse, $notString)
$il.Emit($op::Ldarg_2); $il.Emit($op::Castclass, [string]); $il.Emit($op::Callvirt, $length); $il.Emit($op::Brtrue, $notEmpty)
$il.Emit($op::Ldstr, 'The secret key is empty.'); $il.Emit($op::Newobj, $fail); $il.Emit($op::Throw)
$il.MarkLabel($notEmpty)
$il.Emit($op::Ldarg_2); $il.Emit($op::Castclass, [string]); $il.Emit($op::Callvirt, $length); $il.Emit($op::Ldc_I4, 65536); $il.Emit($op::Ble, $notLong)
$il.Emit($op::Ldstr, 'The secret key is longer than 65536 characters (the most a SecureString holds).'); $il.Emit($op::Newobj, $fail); $il.Emit($op::Throw)
$il.MarkLabel($notLong)
$il.Emit($op::Ldstr, ''); $il.Emit($op::Ldarg_2); $il.Emit($op::Castclass, [string])
$il.Emit($op::Newobj, [System.Net.NetworkCredential].GetConstructor([type[]]@([string], [string])))
$il.Emit($op::Callvirt, [System.Net.NetworkCredential].GetProperty('SecurePassword').GetGetMethod()); $il.Emit($op::Ret)
$il.MarkLabel($notString)
$il.Emit($op::Ldarg_2); $il.Emit($op::Brfalse, $keep)
$il.Emit($op::Ldarg_2); $il.Emit($op::Isinst, [System.Security.SecureString]); $il.Emit($op::Brtrue, $keep)
$il.Emit($op::Ldstr, 'The secret key must be a string or a SecureString.'); $il.Emit($op::Newobj, $fail); $il.Emit($op::Throw)
$il.MarkLabel($keep)
$il.Emit($op::Ldarg_2); $il.Emit($op::Ret)

[AppDomain]::CurrentDomain.SetData('EcrAuth.SecretKeyTransformation', $builder.CreateType())
