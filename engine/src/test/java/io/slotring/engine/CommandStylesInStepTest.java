package io.slotring.engine;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The async and sync styles stay in step: every public command of {@link AsyncCommands} returning
 * {@code CompletableFuture<T>} has a {@link SyncCommands} twin of the same name and parameters returning {@code T},
 * and the other way round. Adding a command to one style without the other fails here, naming the method, so the
 * two hand-written surfaces cannot drift (the "generate both from one source, if that keeps them in step":
 * this check is that guarantee without a code generator in the build).
 */
class CommandStylesInStepTest
{
    private static List<Method> commands(final Class<?> type)
    {
        final List<Method> methods = new ArrayList<>();
        for (final Method method : type.getDeclaredMethods())
        {
            if (Modifier.isPublic(method.getModifiers()) && !Modifier.isStatic(method.getModifiers()) &&
                !method.isSynthetic() && !method.getName().equals("toString"))
            {
                methods.add(method);
            }
        }
        return methods;
    }

    private static String signature(final Method method)
    {
        return method.getName() + Arrays.toString(method.getGenericParameterTypes());
    }

    private static Type futureValue(final Method asyncMethod)
    {
        final Type returned = asyncMethod.getGenericReturnType();
        assertThat(returned).as("%s returns a CompletableFuture", signature(asyncMethod))
            .isInstanceOf(ParameterizedType.class);
        final ParameterizedType future = (ParameterizedType)returned;
        assertThat(future.getRawType()).as("%s returns a CompletableFuture", signature(asyncMethod))
            .isEqualTo(CompletableFuture.class);
        return future.getActualTypeArguments()[0];
    }

    @Test
    void everyAsyncCommandHasASyncTwinReturningItsValue()
    {
        final Set<String> missing = new TreeSet<>();
        final Set<String> mismatched = new TreeSet<>();
        assertThat(commands(AsyncCommands.class)).as("the async surface this test compares").hasSizeGreaterThan(50);
        for (final Method async : commands(AsyncCommands.class))
        {
            final Method sync;
            try
            {
                sync = SyncCommands.class.getMethod(async.getName(), async.getParameterTypes());
            }
            catch (final NoSuchMethodException ex)
            {
                missing.add(signature(async));
                continue;
            }
            final Type value = futureValue(async);
            final Type syncReturn = sync.getGenericReturnType();
            final boolean voidFuture = value == Void.class && syncReturn == void.class;
            if (!voidFuture && !value.getTypeName().equals(syncReturn.getTypeName()))
            {
                mismatched.add(signature(async) + ": async CompletableFuture<" + value.getTypeName() + ">, sync " +
                    syncReturn.getTypeName());
            }
        }
        assertThat(missing).as("async commands without a sync twin").isEmpty();
        assertThat(mismatched).as("async and sync value types differ").isEmpty();
    }

    @Test
    void everySyncCommandHasAnAsyncTwin()
    {
        final Set<String> missing = new TreeSet<>();
        for (final Method sync : commands(SyncCommands.class))
        {
            try
            {
                AsyncCommands.class.getMethod(sync.getName(), sync.getParameterTypes());
            }
            catch (final NoSuchMethodException ex)
            {
                missing.add(signature(sync));
            }
        }
        assertThat(missing).as("sync commands without an async twin").isEmpty();
    }
}
